/**
 * Start a module of this package in its own Node process, whether we run from TypeScript sources
 * (the tsx loader goes along) or from the build.
 */
import { fork, type ChildProcess, type ForkOptions } from 'node:child_process';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** `sibling` is a module name next to `from` (an import.meta.url), without extension. */
export function forkSibling(from: string, sibling: string, args: string[], options: ForkOptions = {}): ChildProcess {
  const here = fileURLToPath(from);
  const entry = fileURLToPath(new URL(`./${sibling}${extname(here)}`, from));
  return fork(entry, args, { execArgv: childExecArgv(entry), ...options });
}

function childExecArgv(entry: string): string[] {
  if (extname(entry) !== '.ts') return [];
  const tsx = createRequire(import.meta.url).resolve('tsx');
  return ['--import', pathToFileURL(tsx).href];
}
