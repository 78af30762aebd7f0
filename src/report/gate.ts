/**
 * The CI gate. Thresholds (`p(99)<300ms`, `error_rate<1%`, `p(99)<300ms over 10s`) hold a value, or every
 * window of the run, to a limit. Regressions (`p(99)=10%`) hold a run to its baseline and fail only when
 * the excess over what is allowed is beyond noise (noise.ts: between runs, batch means, or independent
 * samples for reports without intervals; the verdict names which). Too few samples, or a run whose load
 * generator was saturated, is "inconclusive", never a pass or a failure.
 */
import { InvalidInputError } from '../engine/index.js';
import { holds, minSamplesFor, parseGateExpressions, sliceValue, valueOf, type MeasuredProfile, type MetricKind, type Regression, type Threshold, type ThresholdInput } from '../metrics/index.js';
import type { ProfileReport, Report } from '../runner/index.js';
import { betweenRunsNoise, exceeds, runNoise, type Noise } from './noise.js';
import { generatorSaturation } from './saturation.js';

export type CheckStatus = 'pass' | 'fail' | 'inconclusive';

export interface Check {
  kind: 'threshold' | 'regression';
  expression: string;
  profile: string;
  status: CheckStatus;
  value: number | null;
  /** The limit the value was held to (threshold) or the baseline value (regression). */
  limit: number | null;
  baseline: number | null;
  detail: string;
  /** The noise model a regression's verdict used. */
  noise?: string;
}

export interface GateOptions {
  thresholds: ThresholdInput[];
  maxRegression: string[];
  /** One baseline report, or several runs of the baseline (their spread is the noise). */
  baseline?: Report | Report[];
  /** Fewest samples for any judgement (percentiles need more: 10 beyond the percentile). */
  minSamples?: number;
}

/** Baseline runs at or above this count use their spread as the noise (between runs). */
export const BETWEEN_RUNS_MIN = 3;

/** Run every check on every profile. Every expression is checked first: one bad one and nothing is judged. */
export function runGate(report: Report, options: GateOptions): Check[] {
  const baselines = options.baseline === undefined ? [] : Array.isArray(options.baseline) ? options.baseline : [options.baseline];
  const problems: string[] = [];
  let parsed: ReturnType<typeof parseGateExpressions> = { thresholds: [], regressions: [] };
  try {
    parsed = parseGateExpressions(options.thresholds, options.maxRegression);
  } catch (err) {
    if (!(err instanceof InvalidInputError)) throw err;
    problems.push(...err.problems);
  }
  if (options.maxRegression.length > 0 && baselines.length === 0) problems.push('--max-regression needs --baseline BASE.json');
  if (problems.length) throw new InvalidInputError('gate', problems);
  const floor = options.minSamples ?? 30;
  const checks: Check[] = [];
  for (const p of report.profiles) {
    const saturated = generatorSaturation(p);
    for (const t of parsed.thresholds) checks.push(unlessSaturated(thresholdCheck(p, t, floor), saturated));
    for (const r of parsed.regressions) {
      const base = baselines.flatMap((b) => b.profiles.filter((q) => q.name === p.name));
      const baseSaturated = base.map(generatorSaturation).find((s) => s !== null) ?? null;
      checks.push(unlessSaturated(unlessSaturated(regressionCheck(p, r, base, floor), saturated), baseSaturated, 'in the baseline'));
    }
  }
  return checks;
}

/** A saturated generator measured itself: its numbers are neither a pass nor a fail. */
function unlessSaturated(c: Check, why: string | null, where = 'in this run'): Check {
  if (why === null || c.status === 'inconclusive') return c;
  return { ...c, status: 'inconclusive', detail: `load generator saturated ${where} (${why}): ${c.detail}` };
}

function thresholdCheck(p: ProfileReport, t: Threshold, floor: number): Check {
  const m = valueOf(t.spec, p);
  const base = { kind: 'threshold' as const, expression: t.source, profile: p.name, value: m.value, limit: t.limit, baseline: null };
  const need = minSamplesFor(t.spec, m.kind === 'duration' ? floor : 1);
  if (m.value === null || m.samples < need) {
    return { ...base, status: 'inconclusive', detail: `${m.samples} sample(s); ${t.spec.name} needs at least ${need}` };
  }
  if (t.windowMs !== null) return windowedCheck(p, t, base, need);
  const ok = holds[t.op](m.value, t.limit);
  return { ...base, status: ok ? 'pass' : 'fail', detail: `${fmt(m.value, m.kind)} ${ok ? '' : 'not '}${t.op} ${fmt(t.limit, m.kind)}` };
}

/** Every window (sliding by one interval) must hold; the worst one is named. */
function windowedCheck(p: ProfileReport, t: Threshold, base: Omit<Check, 'status' | 'detail'>, need: number): Check {
  const s = p.intervals;
  if (!s) return { ...base, status: 'inconclusive', detail: 'the report has no intervals (made by an older tailgate): a window cannot be judged' };
  const n = s.counts.completed.length;
  const span = Math.min(n, Math.max(1, Math.ceil((t.windowMs as number) / s.widthMs)));
  let judged = 0;
  let worst: { from: number; value: number } | null = null;
  for (let from = 0; from + span <= n; from++) {
    const w = sliceValue(t.spec, s, from, from + span);
    if (w.value === null || (t.spec.kind === 'duration' && w.samples < need)) continue;
    judged++;
    if (worst === null || further(t, w.value, worst.value)) worst = { from, value: w.value };
  }
  const kind = valueOf(t.spec, p).kind;
  if (judged === 0 || worst === null) return { ...base, status: 'inconclusive', detail: `no ${fmtSpan(span * s.widthMs)} window had the ${need} samples ${t.spec.name} needs` };
  const where = `window ${fmtS(worst.from * s.widthMs)}–${fmtS((worst.from + span) * s.widthMs)}`;
  if (!holds[t.op](worst.value, t.limit)) return { ...base, value: worst.value, status: 'fail', detail: `${where}: ${fmt(worst.value, kind)} not ${t.op} ${fmt(t.limit, kind)}` };
  return { ...base, value: worst.value, status: 'pass', detail: `all ${judged} windows of ${fmtSpan(span * s.widthMs)} hold; worst ${fmt(worst.value, kind)} (${where})` };
}

/** Is a further from holding than b? (A larger value for < and <=, a smaller one for > and >=.) */
function further(t: Threshold, a: number, b: number): boolean {
  return t.op === '>' || t.op === '>=' ? a < b : t.op === '==' ? Math.abs(a - t.limit) > Math.abs(b - t.limit) : a > b;
}

function regressionCheck(p: ProfileReport, r: Regression, base: ProfileReport[], floor: number): Check {
  const head = { kind: 'regression' as const, expression: r.source, profile: p.name };
  const [first] = base;
  if (!first) return { ...head, status: 'inconclusive', value: null, limit: null, baseline: null, detail: `no profile "${p.name}" in the baseline` };
  const cur = valueOf(r.spec, p);
  const old = valueOf(r.spec, first);
  const need = minSamplesFor(r.spec, floor);
  const shared = { ...head, value: cur.value, baseline: old.value, limit: null };
  if (cur.value === null || old.value === null || cur.samples < need || old.samples < need) {
    return { ...shared, status: 'inconclusive', detail: `too few samples (${cur.samples} now, ${old.samples} in the baseline; needs ${need})` };
  }
  const noise = noiseOf(r, p, base);
  if (!noise) return { ...shared, status: 'inconclusive', detail: `${r.spec.name} has no value to compare` };
  const higherIsWorse = r.spec.kind !== 'rate';
  const k = r.relative === null ? 1 : higherIsWorse ? 1 + r.relative : 1 - r.relative;
  const verdict = exceeds(noise.cur, noise.old, k, r.absolute ?? 0, higherIsWorse);
  const describe = `${r.spec.name} ${fmt(noise.old.value, old.kind)} → ${fmt(noise.cur.value, cur.kind)} (${change(noise.old.value, noise.cur.value, old.kind)})`;
  const allowed = r.relative !== null ? `${fmtNum(r.relative * 100)}%` : old.kind === 'ratio' ? `+${fmtNum((r.absolute as number) * 100)} points` : `+${fmt(r.absolute as number, old.kind)}`;
  const margin = `noise ±${fmt(verdict.margin, old.kind === 'ratio' ? 'points' : old.kind)}, ${noise.model}`;
  const withNoise = { ...shared, value: noise.cur.value, baseline: noise.old.value, noise: noise.model };
  if (verdict.excess <= 0) return { ...withNoise, status: 'pass', detail: `${describe}, within the allowed ${allowed}` };
  if (!verdict.beyondNoise) return { ...withNoise, status: 'inconclusive', detail: `${describe}, above the allowed ${allowed} but within noise (${margin})` };
  return { ...withNoise, status: 'fail', detail: `${describe}, above the allowed ${allowed} beyond noise (${margin})` };
}

/**
 * The noise of both sides, from the best model both allow: between runs when the baseline has enough
 * runs (a current run alone is taken to spread as the baseline's runs do), else each run's own.
 */
function noiseOf(r: Regression, p: ProfileReport, base: ProfileReport[]): { cur: Noise; old: Noise; model: string } | null {
  const baseRuns: MeasuredProfile[] = base.flatMap((b) => b.repeats ?? [b]);
  const curRuns: MeasuredProfile[] = p.repeats ?? [p];
  if (baseRuns.length >= BETWEEN_RUNS_MIN) {
    const old = betweenRunsNoise(r.spec, baseRuns);
    if (old) {
      const own = curRuns.length >= 2 ? betweenRunsNoise(r.spec, curRuns) : null;
      const value = own?.value ?? valueOf(r.spec, p).value;
      if (value === null) return null;
      const cur = own ?? { ...old, value, se: old.spread, model: old.model };
      return { cur, old, model: own ? `between runs (${old.runs} baseline runs, ${own.runs} current)` : `between runs (${old.runs} baseline runs)` };
    }
  }
  const cur = runNoise(r.spec, p);
  const old = runNoise(r.spec, base[0] as ProfileReport);
  if (!cur || !old) return null;
  return { cur, old, model: cur.model === old.model ? cur.model : `${old.model} in the baseline, ${cur.model} now` };
}

type Shown = MetricKind | 'points';

function fmt(v: number, kind: Shown): string {
  if (kind === 'duration') return v >= 1000 ? `${(v / 1000).toFixed(2)}s` : `${v.toFixed(v >= 100 ? 0 : 2)}ms`;
  if (kind === 'ratio') return `${(v * 100).toFixed(2)}%`;
  if (kind === 'points') return `${(v * 100).toFixed(2)} points`;
  if (kind === 'rate') return `${v.toFixed(1)}/s`;
  return String(v);
}

function change(o: number, c: number, kind: MetricKind): string {
  if (kind === 'ratio') return `${c >= o ? '+' : ''}${((c - o) * 100).toFixed(2)} points`;
  const rel = o > 0 ? c / o - 1 : 0;
  return `${rel >= 0 ? '+' : ''}${(rel * 100).toFixed(1)}%`;
}

const fmtNum = (x: number) => String(Math.round(x * 1000) / 1000);
const fmtS = (ms: number) => `${fmtNum(ms / 1000)} s`;
const fmtSpan = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);

export function gateFailed(checks: Check[], strict = false): boolean {
  return checks.some((c) => c.status === 'fail' || (strict && c.status === 'inconclusive'));
}
