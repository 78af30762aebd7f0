/**
 * The CI gate. Thresholds (`p(99)<300ms`, `error_rate<1%`, `p(99)<300ms over 10s`) hold a statistic, or
 * every window of the run, to a limit; regressions (`p(99)=10%`) hold a run to its baseline. Every verdict
 * comes from a confidence interval (threshold-verdict.ts, regression-verdict.ts): fail when it lies beyond,
 * pass when it lies within, inconclusive only when it straddles, and an inconclusive check says what would
 * decide it. The load generator's own delay is a bound in each verdict, never a switch that turns the gate
 * off: it can turn a failure it may have caused into inconclusive, never into a pass.
 */
import { InvalidInputError } from '../engine/index.js';
import { parseGateExpressions, type ThresholdInput } from '../metrics/index.js';
import type { Report } from '../runner/index.js';
import { regressionCheck } from './regression-verdict.js';
import { thresholdCheck } from './threshold-verdict.js';
import { ALPHA, type Check } from './verdict-kit.js';

export { BETWEEN_RUNS_MIN } from './regression-verdict.js';
export { checkDetail, type Check, type CheckStatus } from './verdict-kit.js';

export interface GateOptions {
  thresholds: ThresholdInput[];
  maxRegression: string[];
  /** One baseline report, or several runs of the baseline (their spread is the noise). */
  baseline?: Report | Report[];
  /**
   * Fewest samples a check must have before it is judged at all (--min-samples). Off by default: the
   * intervals already say what few samples can and cannot show.
   */
  minSamples?: number;
}

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
  if (options.minSamples !== undefined && !(Number.isInteger(options.minSamples) && options.minSamples >= 0)) problems.push(`--min-samples must be a whole number of at least 0, got ${options.minSamples}`);
  if (problems.length) throw new InvalidInputError('gate', problems);
  const checks: Check[] = [];
  for (const p of report.profiles) {
    for (const t of parsed.thresholds) checks.push(thresholdCheck(p, t, options.minSamples));
    for (const r of parsed.regressions) {
      const base = baselines.flatMap((b) => b.profiles.filter((q) => q.name === p.name));
      checks.push(regressionCheck(p, r, base, options.minSamples));
    }
  }
  return checks;
}

export function gateFailed(checks: Check[], strict = false): boolean {
  return checks.some((c) => c.status === 'fail' || (strict && c.status === 'inconclusive'));
}

/**
 * The gate's verdict in words, one line first: `gate FAILED`, `gate inconclusive: N of M checks
 * undecided` (never "passed" while a check is undecided), or `gate passed`; then, for each undecided
 * check, what would decide it, and what the confidence means for a gate of this many checks.
 */
export function gateVerdictText(checks: Check[], strict = false): string {
  const counts = { pass: 0, fail: 0, inconclusive: 0 };
  for (const c of checks) counts[c.status]++;
  const m = checks.length;
  const head = counts.fail > 0 || (strict && counts.inconclusive > 0)
    ? `gate FAILED: ${counts.fail} of ${m} checks failed${counts.inconclusive ? `, ${counts.inconclusive} undecided${strict ? ' (--strict: undecided fails)' : ''}` : ''}, ${counts.pass} passed`
    : counts.inconclusive > 0
      ? `gate inconclusive: ${counts.inconclusive} of ${m} checks undecided, ${counts.pass} passed`
      : `gate passed: ${counts.pass} of ${m} checks passed`;
  const lines = [head];
  for (const c of checks) if (c.status === 'inconclusive') lines.push(`  undecided: ${c.profile}: ${c.expression}: to decide it, ${c.decide ?? 'more data'}`);
  const each = ALPHA / 2;
  if (m > 0) lines.push(`  (each check at ${Math.round((1 - ALPHA) * 100)}% confidence: a run that meets every limit fails a check at most ${each * 100}% of the time, this gate of ${m} at most ${Math.min(100, Math.round(m * each * 1000) / 10)}%)`);
  return lines.join('\n');
}
