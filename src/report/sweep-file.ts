/**
 * The file `tailgate sweep` writes, and reading it back: `report` renders it and `compare` sets two side
 * by side. Like a Report it is anyone's file once on disk, so it is checked on read, every problem by its
 * path. Sweep files written before verdicts (no `kind`, points with `held` only) are read too.
 */
import { InvalidInputError } from '../engine/index.js';
import { jsonSchema, problem, problemsOf, Type, type Static } from '../util/schema.js';
import { readInputFile } from './contract/input-file.js';
import type { Report } from './contract/report.js';
import { reportProblems } from './validate-report.js';
import { parseSlo, type SweepPoint, type SweepVerdict } from './sweep.js';

const VERDICTS: readonly SweepVerdict[] = ['held', 'failed', 'undecided'];

/**
 * The sweep file as read: what `tailgate sweep` writes, and files from before verdicts (points with `held`
 * only, the scenario as a bare name). Declared once with the schema kit: its problems are worded as every
 * other contract's, and `tailgate schema sweep` prints it for users' scripts.
 */
const NUMBER = Type.Number();
const NUMBER_OR_NULL = Type.Union([NUMBER, Type.Null()]);
const COUNT = Type.Integer({ minimum: 0 });
const TEXT = Type.String({ maxLength: 64 * 1024 });
const SWEEP_POINT = Type.Object({
  rate: Type.Number({ description: 'the offered rate asked for, requests/s' }),
  value: NUMBER_OR_NULL,
  margin: Type.Optional(NUMBER_OR_NULL),
  verdict: Type.Optional(Type.Enum([...VERDICTS])),
  held: Type.Optional(Type.Boolean()),
  noise: Type.Optional(Type.Union([TEXT, Type.Null()])),
  durationS: Type.Optional(Type.Number({ minimum: 0 })),
  trials: Type.Optional(Type.Integer({ minimum: 1 })),
  requests: Type.Optional(Type.Object({ total: COUNT, ok: COUNT, failed: COUNT })),
  achieved: Type.Optional(NUMBER_OR_NULL),
});
export const SWEEP_FILE = Type.Object({
  kind: Type.Optional(Type.Literal('sweep')),
  schemaVersion: Type.Optional(Type.Literal(1)),
  tool: Type.Optional(Type.Object({ name: Type.Literal('tailgate'), version: TEXT })),
  scenario: Type.Union([TEXT, Type.Object({ name: TEXT, file: Type.Union([TEXT, Type.Null()]), hash: TEXT })]),
  startedAt: Type.Optional(TEXT),
  endedAt: Type.Optional(TEXT),
  slo: Type.String({ maxLength: 1024, description: "the objective as given: a gate threshold ('goodput>95%', 'p(99)<300ms')" }),
  range: Type.Object({ from: NUMBER, to: NUMBER }, { description: 'requests/s' }),
  durationS: Type.Number({ minimum: 0, description: "a trial's length, seconds" }),
  maxDurationS: Type.Optional(Type.Number({ minimum: 0, description: 'the longest an undecided trial may be lengthened to, seconds' })),
  results: Type.Array(Type.Object({ profile: TEXT, capacity: NUMBER_OR_NULL, points: Type.Array(SWEEP_POINT, { maxItems: 10_000 }) }), { maxItems: 1000 }),
});

/** A sweep file as this version writes it (and as an older one reads, once upgraded). */
export interface SweepFile {
  kind: 'sweep';
  schemaVersion: 1;
  tool?: { name: 'tailgate'; version: string };
  /** The scenario's name (older files), or its name, file and hash. */
  scenario: string | { name: string; file: string | null; hash: string };
  startedAt?: string;
  endedAt?: string;
  slo: string;
  range: { from: number; to: number };
  durationS: number;
  maxDurationS?: number;
  results: { profile: string; capacity: number | null; points: SweepPoint[] }[];
}
/** What this version writes, the declaration accepts (or this file does not compile). */
type Accepts<Declared, Written extends Declared> = Written;
export type SweepFileConforms = Accepts<Static<typeof SWEEP_FILE>, SweepFile>;

/** The sweep file's JSON Schema (`tailgate schema sweep`). */
export const sweepJsonSchema = () => jsonSchema(SWEEP_FILE, { title: 'tailgate sweep file', description: 'What tailgate sweep writes: per profile, each rate tried with its value, margin and verdict, and the capacity found.' });

export const scenarioName = (s: SweepFile) => (typeof s.scenario === 'string' ? s.scenario : s.scenario.name);

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A sweep file, or an older one: it has an SLO expression and results. */
export function looksLikeSweep(data: unknown): boolean {
  return isObj(data) && (data.kind === 'sweep' || (typeof data.slo === 'string' && Array.isArray(data.results) && !('profiles' in data)));
}

/** Every problem of a sweep file: the declaration's, then the rules between fields, in the kit's wording. */
export function sweepProblems(data: unknown): string[] {
  const problems = problemsOf(SWEEP_FILE, data);
  if (problems.length) return problems;
  const file = data as Static<typeof SWEEP_FILE>;
  try {
    parseSlo(file.slo);
  } catch (err) {
    for (const p of err instanceof InvalidInputError ? err.problems : [(err as Error).message]) problems.push(`slo: ${p}`);
  }
  file.results.forEach((r, i) =>
    r.points.forEach((p, j) => {
      if (p.verdict === undefined && p.held === undefined) problems.push(problem(`results[${i}].points[${j}]`, 'must give a verdict (or, as older files do, held)'));
    }),
  );
  return problems;
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
