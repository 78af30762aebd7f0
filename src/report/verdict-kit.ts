/**
 * What every gate check shares: its shape, the confidence it is judged at, and how its values are
 * written (so thresholds and regressions word their details alike).
 */
import type { MetricKind } from '../metrics/index.js';

export type CheckStatus = 'pass' | 'fail' | 'inconclusive';

/**
 * Every interval is two-sided 95%: a check of a run that truly sits at its limit fails at most 2.5% of the
 * time, and one well within it far less. A gate of M checks fails such a run at most M × 2.5% of the time
 * (a union bound); windows of one check share its 2.5% (threshold-verdict.ts).
 */
export const ALPHA = 0.05;

export interface Check {
  kind: 'threshold' | 'regression';
  expression: string;
  profile: string;
  status: CheckStatus;
  value: number | null;
  /** The limit the value was held to (threshold) or null (regression). */
  limit: number | null;
  /** The baseline's value (regression). */
  baseline: number | null;
  /** The confidence of the interval the verdict came from (0.95). */
  confidence: number;
  /** The value's interval at that confidence (null: judged on the observed value, or a regression's excess). */
  interval: [number, number] | null;
  /** How much of the value the load generator's own delay may account for (ms), when known. */
  generatorMs: number | null;
  detail: string;
  /** For an inconclusive check: what would decide it. */
  decide: string | null;
  /** The noise model a regression's verdict used. */
  noise?: string;
}

/** A check's detail as every rendering shows it: an undecided check also says what would decide it. */
export function checkDetail(c: Pick<Check, 'status' | 'detail' | 'decide'>): string {
  return c.status === 'inconclusive' && c.decide ? `${c.detail}; to decide it: ${c.decide}` : c.detail;
}

export type Shown = MetricKind | 'points';

export function fmt(v: number, kind: Shown): string {
  if (kind === 'duration') return v >= 1000 ? `${(v / 1000).toFixed(2)}s` : `${v.toFixed(v >= 100 ? 0 : 2)}ms`;
  if (kind === 'ratio') return `${(v * 100).toFixed(2)}%`;
  if (kind === 'points') return `${(v * 100).toFixed(2)} points`;
  if (kind === 'rate') return `${v.toFixed(1)}/s`;
  return String(v);
}

export const fmtCount = (n: number) => Math.round(n).toLocaleString('en-US');
export const fmtNum = (x: number) => String(Math.round(x * 1000) / 1000);
export const fmtS = (ms: number) => `${fmtNum(ms / 1000)} s`;
export const fmtSpan = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);
