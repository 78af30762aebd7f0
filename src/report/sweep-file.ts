/**
 * The file `tailgate sweep` writes, and reading it back: `report` renders it and `compare` sets two side
 * by side. Like a Report it is anyone's file once on disk, so it is checked on read, every problem by its
 * path. Sweep files written before verdicts (no `kind`, points with `held` only) are read too.
 */
import { InvalidInputError } from '../engine/index.js';
import { readInputFile, type Report } from '../runner/index.js';
import { reportProblems } from './validate-report.js';
import { parseSlo, type SweepPoint, type SweepVerdict } from './sweep.js';

export interface SweepFile {
  kind: 'sweep';
  schemaVersion: 1;
  tool?: { name: 'tailgate'; version: string };
  /** The scenario's name (older files), or its name, file and hash. */
  scenario: string | { name: string; file: string | null; hash: string };
  startedAt?: string;
  endedAt?: string;
  /** The objective as given: a gate threshold ('goodput>95%', 'p(99)<300ms'). */
  slo: string;
  range: { from: number; to: number };
  /** A trial's length, and the longest an undecided trial may be lengthened to, seconds. */
  durationS: number;
  maxDurationS?: number;
  results: { profile: string; capacity: number | null; points: SweepPoint[] }[];
}

export const scenarioName = (s: SweepFile) => (typeof s.scenario === 'string' ? s.scenario : s.scenario.name);

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isNum = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const VERDICTS: readonly SweepVerdict[] = ['held', 'failed', 'undecided'];

/** A sweep file, or an older one: it has an SLO expression and results. */
export function looksLikeSweep(data: unknown): boolean {
  return isObj(data) && (data.kind === 'sweep' || (typeof data.slo === 'string' && Array.isArray(data.results) && !('profiles' in data)));
}

export function sweepProblems(data: unknown): string[] {
  const out: string[] = [];
  if (!isObj(data)) return ['must be a JSON object'];
  if (typeof data.slo !== 'string') out.push('slo must be a threshold expression');
  else {
    try {
      parseSlo(data.slo);
    } catch (err) {
      out.push(`slo: ${(err as Error).message}`);
    }
  }
  const range = data.range;
  if (!isObj(range) || !isNum(range.from) || !isNum(range.to)) out.push('range must be {from, to} in requests/s');
  if (!isNum(data.durationS)) out.push('durationS must be a number of seconds');
  if (!Array.isArray(data.results)) return [...out, 'results must be a list'];
  data.results.forEach((r: unknown, i) => {
    const at = `results[${i}]`;
    if (!isObj(r)) return void out.push(`${at} must be an object`);
    if (typeof r.profile !== 'string') out.push(`${at}.profile must be a string`);
    if (r.capacity !== null && !isNum(r.capacity)) out.push(`${at}.capacity must be a rate or null`);
    if (!Array.isArray(r.points)) return void out.push(`${at}.points must be a list`);
    r.points.forEach((p: unknown, j) => {
      const pt = `${at}.points[${j}]`;
      if (!isObj(p)) return void out.push(`${pt} must be an object`);
      if (!isNum(p.rate)) out.push(`${pt}.rate must be a number`);
      if (p.value !== null && !isNum(p.value)) out.push(`${pt}.value must be a number or null`);
      if (p.margin !== null && p.margin !== undefined && !isNum(p.margin)) out.push(`${pt}.margin must be a number or null`);
      if (p.verdict !== undefined && !VERDICTS.includes(p.verdict as SweepVerdict)) out.push(`${pt}.verdict must be one of ${VERDICTS.join(', ')}`);
      if (p.verdict === undefined && typeof p.held !== 'boolean') out.push(`${pt} must say held (true or false) or give a verdict`);
    });
  });
  return out;
}

/** An older file's points, given the fields the renderers read. */
function upgrade(data: Record<string, unknown>): SweepFile {
  const s = data as unknown as SweepFile;
  return {
    ...s,
    kind: 'sweep',
    schemaVersion: 1,
    results: s.results.map((r) => ({
      ...r,
      points: r.points.map((p) => ({ ...p, margin: p.margin ?? null, verdict: p.verdict ?? (p.held ? 'held' : 'failed'), held: p.verdict ? p.verdict === 'held' : p.held })),
    })),
  };
}

const listed = (problems: string[]) => (problems.length > 20 ? [...problems.slice(0, 20), `… and ${problems.length - 20} more`] : problems);

/** A run's Report or a sweep's file, told apart by their content, each checked on read. */
export async function readReportOrSweep(file: string): Promise<{ report: Report; sweep: null } | { report: null; sweep: SweepFile }> {
  const { data } = await readInputFile('report', file, 'JSON', JSON.parse);
  if (looksLikeSweep(data)) {
    const problems = sweepProblems(data);
    if (problems.length) throw new InvalidInputError(`sweep ${file}`, listed(problems));
    return { report: null, sweep: upgrade(data as Record<string, unknown>) };
  }
  const problems = reportProblems(data);
  if (problems.length) throw new InvalidInputError(`report ${file}`, listed(problems));
  return { report: data as Report, sweep: null };
}
