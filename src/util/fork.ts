/**
 * Start a module of this package in its own Node process, whether we run from TypeScript sources
 * (the tsx loader goes along) or from the build.
 */
import { fork, type ChildProcess, type ForkOptions } from 'node:child_process';
import { createRequire } from 'node:module';
import { extname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * A build of these sources that a child started from source may run instead (its layout the sources').
 * The test suite sets it (test/helpers/built.ts) when its build is fresh: it starts hundreds of children,
 * and one through tsx costs about twice the CPU to start.
 */
export const CHILD_BUILD_ENV = 'TAILGATE_CHILD_BUILD';

/** `sibling` is a module name next to `from` (an import.meta.url), without extension. */
export function forkSibling(from: string, sibling: string, args: string[], options: ForkOptions = {}): ChildProcess {
  const here = fileURLToPath(from);
  const entry = fileURLToPath(new URL(`./${sibling}${extname(here)}`, from));
  if (extname(entry) !== '.ts') return fork(entry, args, { execArgv: [], ...options });
  const build = process.env[CHILD_BUILD_ENV];
  if (build) return fork(join(build, relative(SOURCE_ROOT, entry)).replace(/\.ts$/, '.js'), args, { execArgv: [], ...options });
  return fork(entry, args, { execArgv: ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href], ...options });
}

/** The repository, when this file runs from source (src/util/fork.ts). */
const SOURCE_ROOT = fileURLToPath(new URL('../..', import.meta.url));
