/** Reading Report JSON from disk: the report commands work on files only, never on live runs. */
import { InvalidInputError } from '../engine/index.js';
import type { Report } from '../runner/index.js';
import { readReportOrSweep } from './sweep-file.js';

export async function readReport(file: string): Promise<Report> {
  const read = await readReportOrSweep(file);
  if (read.sweep) throw new InvalidInputError(`report ${file}`, ["is the output of tailgate sweep, not of a run: tailgate report and compare read it; gate and merge need a run's report"]);
  return read.report;
}
