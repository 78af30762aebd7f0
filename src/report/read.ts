/** Reading Report JSON from disk: the report commands work on files only, never on live runs. */
import { InvalidInputError } from '../engine/index.js';
import { readInputFile, type Report } from '../runner/index.js';
import { reportProblems } from './validate-report.js';

export async function readReport(file: string): Promise<Report> {
  const { data } = await readInputFile('report', file, 'JSON', JSON.parse);
  const problems = reportProblems(data);
  if (problems.length) throw new InvalidInputError(`report ${file}`, problems.length > 20 ? [...problems.slice(0, 20), `… and ${problems.length - 20} more`] : problems);
  return data as Report;
}
