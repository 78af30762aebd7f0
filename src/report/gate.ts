/**
 * The CI gate. Thresholds (`p(99)<300ms`, `error_rate<1%`) hold a value to a limit; regressions
 * (`p(99)=10%`) hold a run to its baseline, and fail only when the difference is beyond noise: percentile
 * confidence intervals from the histograms must not overlap, error rates must differ by a two-proportion
 * test. Too few samples to say is "inconclusive", never a failure.
 */
import { InvalidInputError } from '../engine/index.js';
import type { ProfileReport, Report } from '../runner/index.js';
import { metricOf, minSamplesFor, type MetricKind, type MetricValue } from './metric.js';

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
}

export interface GateOptions {
  thresholds: string[];
  maxRegression: string[];
  baseline?: Report;
  /** Fewest samples for any judgement (percentiles need more: 10 beyond the percentile). */
  minSamples?: number;
}

type Op = '<' | '<=' | '>' | '>=' | '==';
interface Threshold {
  source: string;
  metric: string;
  op: Op;
  limit: number;
}
interface Regression {
  source: string;
  metric: string;
  allowed: number;
}

const METRIC = String.raw`((?:[a-z_]+\.)?(?:p\(\d+(?:\.\d+)?\)|[a-z_]+(?:\.[a-z0-9_]+)?))`;
const THRESHOLD = new RegExp(String.raw`^\s*${METRIC}\s*(<=|>=|==|<|>)\s*(\d+(?:\.\d+)?)\s*(ms|s|us|%)?\s*$`);
const REGRESSION = new RegExp(String.raw`^\s*${METRIC}\s*=\s*(\d+(?:\.\d+)?)\s*(%|ms|s)?\s*$`);

function toUnit(value: number, unit: string | undefined): number {
  if (unit === 's') return value * 1000;
  if (unit === 'us') return value / 1000;
  if (unit === '%') return value / 100;
  return value;
}

export function parseThreshold(expr: string): Threshold {
  const m = THRESHOLD.exec(expr);
  if (!m) throw new InvalidInputError('threshold', [`"${expr}" is not a threshold: write METRIC OP VALUE, e.g. p(99)<300ms, error_rate<1%, rate>=100`]);
  return { source: expr, metric: m[1] as string, op: m[2] as Op, limit: toUnit(Number(m[3]), m[4]) };
}

export function parseRegression(expr: string): Regression {
  const m = REGRESSION.exec(expr);
  if (!m) throw new InvalidInputError('max-regression', [`"${expr}" is not a regression limit: write METRIC=ALLOWED, e.g. p(99)=10%, error_rate=0.5%`]);
  return { source: expr, metric: m[1] as string, allowed: toUnit(Number(m[2]), m[3] ?? '%') };
}

const compare: Record<Op, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '==': (a, b) => a === b,
};

/** Run every check on every profile. All expressions are parsed first: a bad one means nothing ran. */
export function runGate(report: Report, options: GateOptions): Check[] {
  const thresholds = options.thresholds.map(parseThreshold);
  const regressions = options.maxRegression.map(parseRegression);
  const problems: string[] = [];
  if (regressions.length > 0 && !options.baseline) problems.push('--max-regression needs --baseline BASE.json');
  for (const t of [...thresholds, ...regressions]) {
    try {
      if (report.profiles[0]) metricOf(report.profiles[0], t.metric);
    } catch (err) {
      problems.push(`${t.source}: ${(err as Error).message}`);
    }
  }
  if (problems.length) throw new InvalidInputError('gate', problems);
  const floor = options.minSamples ?? 30;
  const checks: Check[] = [];
  for (const p of report.profiles) {
    for (const t of thresholds) checks.push(thresholdCheck(p, t, floor));
    for (const r of regressions) checks.push(regressionCheck(p, r, options.baseline as Report, floor));
  }
  return checks;
}

function thresholdCheck(p: ProfileReport, t: Threshold, floor: number): Check {
  const m = metricOf(p, t.metric);
  const base = { kind: 'threshold' as const, expression: t.source, profile: p.name, value: m.value, limit: t.limit, baseline: null };
  const need = m.kind === 'duration' ? minSamplesFor(t.metric, floor) : 1;
  if (m.value === null || m.samples < need) {
    return { ...base, status: 'inconclusive', detail: `${m.samples} sample(s); ${t.metric} needs at least ${need}` };
  }
  const ok = compare[t.op](m.value, t.limit);
  return { ...base, status: ok ? 'pass' : 'fail', detail: `${fmt(m.value, m.kind)} ${ok ? '' : 'not '}${t.op} ${fmt(t.limit, m.kind)}` };
}

function regressionCheck(p: ProfileReport, r: Regression, baselineReport: Report, floor: number): Check {
  const base = baselineReport.profiles.find((b) => b.name === p.name);
  const head = { kind: 'regression' as const, expression: r.source, profile: p.name };
  if (!base) return { ...head, status: 'inconclusive', value: null, limit: null, baseline: null, detail: `no profile "${p.name}" in the baseline` };
  const cur = metricOf(p, r.metric);
  const old = metricOf(base, r.metric);
  const need = cur.kind === 'duration' ? minSamplesFor(r.metric, floor) : floor;
  const shared = { ...head, value: cur.value, baseline: old.value, limit: null };
  if (cur.value === null || old.value === null || cur.samples < need || old.samples < need) {
    return { ...shared, status: 'inconclusive', detail: `too few samples (${cur.samples} now, ${old.samples} in the baseline; needs ${need})` };
  }
  const { worse, change, beyondNoise, describe } = judge(cur, old, r.metric);
  const allowed = fmtChange(r.allowed, cur.kind);
  if (!worse || change <= r.allowed) return { ...shared, status: 'pass', detail: `${describe} (allowed ${allowed})` };
  if (!beyondNoise) return { ...shared, status: 'inconclusive', detail: `${describe}, above the allowed ${allowed} but within noise` };
  return { ...shared, status: 'fail', detail: `${describe}, above the allowed ${allowed} and beyond noise` };
}

/** How much worse `cur` is than `old` (relative for durations and rates, absolute points for ratios). */
function judge(cur: MetricValue, old: MetricValue, metric: string): { worse: boolean; change: number; beyondNoise: boolean; describe: string } {
  const c = cur.value as number;
  const o = old.value as number;
  if (cur.kind === 'ratio') {
    const pooled = (c * cur.samples + o * old.samples) / (cur.samples + old.samples);
    const se = Math.sqrt(pooled * (1 - pooled) * (1 / cur.samples + 1 / old.samples));
    const z = se > 0 ? (c - o) / se : c > o ? Infinity : 0;
    return { worse: c > o, change: c - o, beyondNoise: z > 1.96, describe: `${fmt(o, 'ratio')} → ${fmt(c, 'ratio')}` };
  }
  if (cur.kind === 'rate') {
    const change = o > 0 ? (o - c) / o : 0;
    return { worse: c < o, change, beyondNoise: true, describe: `${o.toFixed(1)} → ${c.toFixed(1)} req/s (${(-change * 100).toFixed(1)}%)` };
  }
  const change = o > 0 ? c / o - 1 : 0;
  const beyondNoise = cur.ci && old.ci ? cur.ci[0] > old.ci[1] : true;
  const ci = cur.ci && old.ci ? ` [95% CI ${fmt(old.ci[0], 'duration')}–${fmt(old.ci[1], 'duration')} → ${fmt(cur.ci[0], 'duration')}–${fmt(cur.ci[1], 'duration')}]` : '';
  return { worse: c > o, change, beyondNoise, describe: `${metric} ${fmt(o, cur.kind)} → ${fmt(c, cur.kind)} (${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)}%)${ci}` };
}

function fmt(v: number, kind: MetricKind): string {
  if (kind === 'duration') return v >= 1000 ? `${(v / 1000).toFixed(2)}s` : `${v.toFixed(v >= 100 ? 0 : 2)}ms`;
  if (kind === 'ratio') return `${(v * 100).toFixed(2)}%`;
  if (kind === 'rate') return `${v.toFixed(1)}/s`;
  return String(v);
}

function fmtChange(v: number, kind: MetricKind): string {
  return kind === 'ratio' ? `+${(v * 100).toFixed(2)} points` : `${(v * 100).toFixed(0)}%`;
}

export function gateFailed(checks: Check[], strict = false): boolean {
  return checks.some((c) => c.status === 'fail' || (strict && c.status === 'inconclusive'));
}
