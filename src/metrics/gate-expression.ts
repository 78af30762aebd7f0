/**
 * Gate expressions (README "Commands", docs/gate-noise.md), parsed and checked before anything runs:
 *   threshold   METRIC OP VALUE UNIT [over WINDOW]      p(99)<300ms, error_rate<1%, rate>=100, failed<10,
 *                                                       p(99)<300ms over 10s (every 10 s window must hold)
 *   regression  METRIC=ALLOWED UNIT                     p(99)=10% (relative), p(99)=5ms (absolute),
 *                                                       error_rate=0.5% (points), rate=5% (relative drop)
 * The unit must fit the metric: ms, s or us for times, % for ratios, none (or /s) for a rate, none for a
 * count. Every bad expression is reported at once. It lives below the runner so a run can stop early on
 * a threshold marked abortOnFail.
 */
import { InvalidInputError } from '../engine/index.js';
import { KINDS, unitFactor } from './metric-registry.js';
import { parseMetric, type MetricSpec } from './metric-spec.js';

export type Op = '<' | '<=' | '>' | '>=' | '==';

export interface Threshold {
  source: string;
  spec: MetricSpec;
  op: Op;
  /** In the metric's unit: ms, a 0..1 ratio, req/s, a count. */
  limit: number;
  /** Every window of this length must hold (null: the whole run). */
  windowMs: number | null;
  /** Stop the run as soon as this threshold is lost for good. */
  abortOnFail: boolean;
}

export interface Regression {
  source: string;
  spec: MetricSpec;
  /** Allowed relative worsening (0.1 = 10%), or null when absolute. */
  relative: number | null;
  /** Allowed absolute worsening in the metric's unit (ms, ratio points), or null when relative. */
  absolute: number | null;
}

/** A threshold as a scenario may give it: a string, or k6's object form with abortOnFail. */
export type ThresholdInput = string | { threshold: string; abortOnFail?: boolean };

const NUMBER = String.raw`(\d+(?:\.\d+)?)`;
const METRIC = String.raw`([a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)?(?:\.?p\(\d+(?:\.\d+)?\))?|p\(\d+(?:\.\d+)?\))`;
const UNIT = String.raw`([a-z%/]+)?`;
const THRESHOLD = new RegExp(String.raw`^\s*${METRIC}\s*(<=|>=|==|<|>)\s*${NUMBER}\s*${UNIT}\s*(?:over\s+${NUMBER}\s*(ms|s|m)\s*)?$`);
const REGRESSION = new RegExp(String.raw`^\s*${METRIC}\s*=\s*${NUMBER}\s*${UNIT}\s*$`);

const WINDOW_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

/** A threshold's value in the metric's unit, or a problem naming what unit it needs. */
function limitIn(spec: MetricSpec, value: number, unit: string | undefined): number | string {
  const factor = unitFactor(spec.kind, unit);
  return factor !== undefined ? value * factor : `${spec.name} is ${KINDS[spec.kind].gives}${unit ? `, not "${unit}"` : ''}`;
}

/** The metric of an expression, or null with the problem recorded against the expression. */
function specOf(source: string, metric: string, problems: string[]): MetricSpec | null {
  try {
    return parseMetric(metric);
  } catch (err) {
    problems.push(`"${source}": ${(err as Error).message}`);
    return null;
  }
}

function parseOneThreshold(input: ThresholdInput, problems: string[]): Threshold | null {
  const source = typeof input === 'string' ? input : input.threshold;
  const abortOnFail = typeof input === 'object' && input.abortOnFail === true;
  const m = THRESHOLD.exec(source);
  if (!m) {
    problems.push(`"${source}" is not a threshold: write METRIC OP VALUE [over WINDOW], e.g. p(99)<300ms, error_rate<1%, rate>=100, p(99)<300ms over 10s`);
    return null;
  }
  const spec = specOf(source, m[1] as string, problems);
  if (!spec) return null;
  const limit = limitIn(spec, Number(m[3]), m[4]);
  if (typeof limit === 'string') {
    problems.push(`"${source}": ${limit}`);
    return null;
  }
  const windowMs = m[5] !== undefined ? Number(m[5]) * (WINDOW_UNITS[m[6] as string] as number) : null;
  if (windowMs !== null) {
    if (windowMs <= 0) problems.push(`"${source}": a window must be longer than 0`);
    if (spec.kind === 'count' && spec.perInterval === null) {
      problems.push(`"${source}": ${spec.name} is not kept per interval; a window can hold a time, a ratio, rate, count or failed`);
    }
  }
  const op = m[2] as Op;
  if (abortOnFail && windowMs === null && !(spec.kind === 'count' && (op === '<' || op === '<='))) {
    problems.push(`"${source}": abortOnFail needs a threshold that can be lost for good mid-run: a window (… over 10s) or a count limit (failed<10)`);
  }
  return { source, spec, op, limit, windowMs, abortOnFail };
}

function parseOneRegression(source: string, problems: string[]): Regression | null {
  const m = REGRESSION.exec(source);
  if (!m) {
    problems.push(`"${source}" is not a regression limit: write METRIC=ALLOWED, e.g. p(99)=10% (relative), p(99)=5ms (absolute), error_rate=0.5% (points)`);
    return null;
  }
  const spec = specOf(source, m[1] as string, problems);
  if (!spec) return null;
  const value = Number(m[2]);
  const unit = m[3];
  const fail = (why: string) => {
    problems.push(`"${source}": ${why}`);
    return null;
  };
  switch (spec.kind) {
    case 'duration':
      if (unit === '%') return { source, spec, relative: value / 100, absolute: null };
      if (unit !== undefined && unitFactor('duration', unit) !== undefined) return { source, spec, relative: null, absolute: value * (unitFactor('duration', unit) as number) };
      return fail(`${spec.name} is a time: allow a relative change (%) or an absolute one (ms, s, us)${unit ? `, not "${unit}"` : ''}`);
    case 'ratio':
      if (unit === '%') return { source, spec, relative: null, absolute: value / 100 };
      return fail(`${spec.name} is a ratio: allow a change in percentage points (%)${unit ? `, not "${unit}"` : ''}`);
    case 'rate':
      if (unit === '%') {
        if (value >= 100) return fail('a rate cannot drop by 100% or more');
        return { source, spec, relative: value / 100, absolute: null };
      }
      return fail(`rate regresses by a relative drop: give a percentage (%)${unit ? `, not "${unit}"` : ''}`);
    case 'count':
      return fail(`${spec.name} is a count and has no noise model for a regression: hold it to a threshold (${spec.name}<1) or gate a ratio (error_rate=0.5%)`);
  }
}

/** Parse every expression; throws InvalidInputError listing every problem when any is bad. */
export function parseGateExpressions(thresholds: ThresholdInput[], regressions: string[]): { thresholds: Threshold[]; regressions: Regression[] } {
  const problems: string[] = [];
  const t = thresholds.map((x) => parseOneThreshold(x, problems));
  const r = regressions.map((x) => parseOneRegression(x, problems));
  if (problems.length) throw new InvalidInputError('gate', problems);
  return { thresholds: t as Threshold[], regressions: r as Regression[] };
}

export const holds: Record<Op, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '==': (a, b) => a === b,
};
