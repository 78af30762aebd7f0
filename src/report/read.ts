/** Reading Report JSON from disk: the report commands work on files only, never on live runs. */
import { InvalidInputError } from '../engine/index.js';
import { readInputFile, type Report } from '../runner/index.js';

export async function readReport(file: string): Promise<Report> {
  const { data } = await readInputFile('report', file, 'JSON', JSON.parse);
  const r = data as Partial<Report>;
  const problems: string[] = [];
  if (r.schemaVersion !== 1) problems.push(`schemaVersion must be 1, got ${JSON.stringify(r.schemaVersion)}`);
  if (!Array.isArray(r.profiles)) problems.push('profiles must be a list');
  else
    r.profiles.forEach((p, i) => {
      if (typeof p?.name !== 'string') problems.push(`profiles[${i}].name must be a string`);
      if (typeof p?.histograms?.latency !== 'string') problems.push(`profiles[${i}].histograms.latency must be an encoded histogram`);
    });
  if (problems.length) throw new InvalidInputError(`report ${file}`, problems);
  return data as Report;
}
