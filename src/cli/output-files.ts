/**
 * Where the CLI writes: checked before anything is sent (an unwritable --out must not cost a run), and
 * written so that a failure names the file and never leaves a truncated one behind.
 */
import { mkdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { InvalidInputError } from '../engine/index.js';

/**
 * Make sure `dir` exists and is writable, creating what is missing one level at a time (a recursive
 * mkdir under /proc can spin forever). Throws InvalidInputError naming the flag and the reason.
 */
export async function prepareOutDir(dir: string, flag: string): Promise<void> {
  const invalid = (why: string) => new InvalidInputError(flag, [`cannot write reports to ${JSON.stringify(dir)}: ${why}`]);
  let existing = resolve(dir);
  const missing: string[] = [];
  for (;;) {
    try {
      if (!(await stat(existing)).isDirectory()) throw invalid(`${existing} is not a directory`);
      break;
    } catch (err) {
      if (err instanceof InvalidInputError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') throw invalid(`a part of the path is not a directory (ENOTDIR)`);
      if (code !== 'ENOENT') throw invalid(`${existing}: ${code ?? (err as Error).message}`);
      const parent = dirname(existing);
      if (parent === existing) throw invalid('no existing parent directory');
      missing.unshift(basename(existing));
      existing = parent;
    }
  }
  for (const part of missing) {
    existing = join(existing, part);
    try {
      await mkdir(existing);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw invalid(`cannot create ${existing} (${code ?? (err as Error).message})`);
    }
  }
  const probe = join(existing, `.tailgate-write-test-${process.pid}`);
  try {
    await writeFile(probe, '');
    await unlink(probe);
  } catch (err) {
    throw invalid(`${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** A file could not be written (a full disk, a vanished directory): exit 3, the file named. */
export class WriteFailedError extends Error {}

/** Write through a temporary file and rename, so a failure leaves the old file or none, never half of one. */
export async function writeOutputFile(path: string, data: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw new WriteFailedError(`could not write ${path}: ${(err as Error).message}`);
  }
}
