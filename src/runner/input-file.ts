/** Reading a user's input file (a scenario, a report): either its parsed data, or one clear error naming it. */
import { readFile } from 'node:fs/promises';
import { InvalidInputError } from '../engine/index.js';

export async function readInputFile(what: string, file: string, format: string, parse: (text: string) => unknown): Promise<{ data: unknown; text: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InvalidInputError(`${what} ${file}`, [`cannot read the file: ${(err as Error).message}`]);
  }
  try {
    return { data: parse(text), text };
  } catch (err) {
    throw new InvalidInputError(`${what} ${file}`, [`not valid ${format}: ${(err as Error).message}`]);
  }
}
