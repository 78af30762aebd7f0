/**
 * The CLI and the mock's child process as the tests start them: from the build `npm test` makes first
 * (.test-build, by the same tsc that type-checks), when it is newer than every source file; else from source
 * through tsx, as a single file run with `npx vitest run FILE` after an edit does. A process from the build
 * starts in under half the CPU of one through tsx, and the suite starts hundreds.
 */
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CHILD_BUILD_ENV } from '../../src/util/fork.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BUILD_DIR = join(ROOT, '.test-build');
const SOURCES = ['src', 'mock-server'];
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtimeMs(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

let fresh: boolean | undefined;
/** True when .test-build holds every source as it is now (one look per test process). */
export function buildIsFresh(): boolean {
  if (fresh !== undefined) return fresh;
  try {
    const built = statSync(join(BUILD_DIR, 'src/cli/main.js')).mtimeMs;
    fresh = SOURCES.every((dir) => newestMtimeMs(join(ROOT, dir)) <= built);
  } catch {
    fresh = false;
  }
  return fresh;
}

/** node's arguments to run `source` (a .ts path relative to the repository): its built .js, or the .ts through tsx. */
export function nodeArgsFor(source: string): string[] {
  return buildIsFresh() ? [join(BUILD_DIR, source.replace(/\.ts$/, '.js'))] : ['--import', TSX, join(ROOT, source)];
}

/** vitest setupFiles: children the code under test forks (the mock's process, workers) start from the build too. */
export function useBuildForChildren(): void {
  if (buildIsFresh()) process.env[CHILD_BUILD_ENV] = BUILD_DIR;
}
