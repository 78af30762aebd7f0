/**
 * Reading a user's input file (a scenario, a report): either its parsed data, or one clear error naming
 * it. Size is checked before reading (a 50 MB YAML would take minutes and gigabytes to parse) and binary
 * content is refused without echoing it.
 */
import { readFile, stat } from 'node:fs/promises';
import { InvalidInputError, redactText } from '../../engine/index.js';

/** Larger inputs are refused before they are read: a scenario is kilobytes, a long run's report a few megabytes. */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

export async function readInputFile(what: string, file: string, format: string, parse: (text: string) => unknown, maxBytes = MAX_INPUT_BYTES): Promise<{ data: unknown; text: string }> {
  let text: string;
  try {
    const { size, isFile } = await stat(file).then((s) => ({ size: s.size, isFile: s.isFile() }));
    if (!isFile) throw new InvalidInputError(`${what} ${file}`, ['is not a regular file']);
    if (size > maxBytes) throw new InvalidInputError(`${what} ${file}`, [`is ${(size / 1048576).toFixed(1)} MB; the limit is ${maxBytes / 1048576} MB`]);
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof InvalidInputError) throw err;
    throw new InvalidInputError(`${what} ${file}`, [`cannot read the file: ${(err as Error).message}`]);
  }
  // NUL bytes or invalid UTF-8 (decoded as U+FFFD) mean this is not a text file: say so, show none of it.
  if (text.includes('\u0000') || text.includes('\uFFFD')) throw new InvalidInputError(`${what} ${file}`, [`is not a ${format} text file (binary content)`]);
  try {
    return { data: parse(text), text };
  } catch (err) {
    // A parser's message quotes the offending lines (a code frame): whatever credentials they hold are masked.
    throw new InvalidInputError(`${what} ${file}`, [`not valid ${format}: ${redactText((err as Error).message)}`]);
  }
}
