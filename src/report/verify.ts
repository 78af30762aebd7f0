/**
 * Closing the loop on a finding: its change applied to the profile (the runner's applyFixes), and the rerun judged
 * against the run that raised it (judgeFixes). A fix is verified when every finding it answers is gone
 * and its measure moved the better way, the rerun raised no finding as severe as one it fixed, and no
 * headline figure (p99, error rate, goodput) got worse beyond noise, unless the fix named that trade-off.
 * Pure: the rerun itself is the command's (report never sends a request).
 */
import { metricOf, parseMetric } from '../metrics/index.js';
import type { Finding, FixVerification, HeadlineMetric, ProfileReport } from './contract/report.js';
import { GENERATOR_FINDING, mergedChanges } from './diagnose.js';
import { findingMetric } from './finding-metrics.js';
import { exceeds, runNoise } from './noise.js';
import { generatorSaturation } from './saturation.js';

const SEVERITY_RANK: Record<Finding['severity'], number> = { info: 0, warning: 1, critical: 2 };

/** What the verification compares of a whole profile: higher is worse for the first two. */
const HEADLINES: { metric: HeadlineMetric; higherIsWorse: boolean }[] = [
  { metric: 'p(99)', higherIsWorse: true },
  { metric: 'error_rate', higherIsWorse: true },
  { metric: 'goodput', higherIsWorse: false },
];

/** Did a headline figure get worse from `before` to `after`, beyond the noise of each run? */
function worseBeyondNoise(metric: HeadlineMetric, higherIsWorse: boolean, before: ProfileReport, after: ProfileReport): boolean {
  const spec = parseMetric(metric);
  const b = runNoise(spec, before);
  const a = runNoise(spec, after);
  if (!a || !b) return false;
  return exceeds(a, b, 1, 0, higherIsWorse).beyondNoise;
}

/** The rerun of a profile with its findings' changes, judged against the run that raised them. */
export function judgeFixes(before: ProfileReport, after: ProfileReport): FixVerification {
  const fixing = before.findings.filter((f) => f.change !== null);
  const { settings, conflicts } = mergedChanges(fixing);
  const findings = fixing.map((f) => {
    const m = findingMetric(f.metric);
    const x = m.of(before);
    const y = m.of(after);
    const resolved = !after.findings.some((g) => g.id === f.id);
    // Nothing left to measure (no hedge sent, no retry needed) counts as better once the finding is gone.
    const improved = y === null ? resolved : x !== null && (m.better === 'lower' ? y < x : y > x);
    return { id: f.id, severity: f.severity, metric: f.metric, before: x, after: y, resolved, improved };
  });
  const had = new Set(before.findings.map((f) => f.id));
  const newFindings = after.findings.filter((f) => !had.has(f.id) && f.id !== GENERATOR_FINDING).map((f) => ({ id: f.id, severity: f.severity, symptom: f.symptom }));
  const tradeOffs = new Map(fixing.flatMap((f) => (f.change?.tradeOffs ?? []).map((t) => [t.metric, t.why] as const)));
  const headline = HEADLINES.filter((h) => h.metric !== 'goodput' || before.goodput).map(({ metric, higherIsWorse }) => {
    const of = (p: ProfileReport) => metricOf(p, metric).value;
    return { metric, before: of(before), after: of(after), worse: worseBeyondNoise(metric, higherIsWorse, before, after), tradeOff: tradeOffs.get(metric) ?? null };
  });
  const mildest = Math.min(...findings.map((f) => SEVERITY_RANK[f.severity]));
  const verified =
    conflicts.length === 0 &&
    findings.every((f) => f.resolved && f.improved) &&
    newFindings.every((f) => SEVERITY_RANK[f.severity] < mildest) &&
    headline.every((h) => !h.worse || h.tradeOff !== null);
  // As the gate says of a run whose load generator was saturated: its own delay makes latency worse and
  // bunches requests (pool waits, churn), so what looks worse in such a rerun may be the machine's. A fix
  // whose every measure still moved the better way is then inconclusive, not failed; one that made its
  // own measure worse failed whatever the machine did.
  const saturated = verified || !findings.every((f) => f.improved) ? null : generatorSaturation(after);
  return { profile: before.name, settings, conflicts, findings, newFindings, headline, verified, reruns: 1, ...(saturated ? { inconclusive: `the rerun's load generator was saturated (${saturated}): rerun on a quieter machine` } : {}) };
}

/** A profile whose findings contradict each other is not rerun: the verification says which settings clash. */
export function conflicted(before: ProfileReport): FixVerification | null {
  const { settings, conflicts } = mergedChanges(before.findings);
  if (conflicts.length === 0) return null;
  return { profile: before.name, settings, conflicts, findings: [], newFindings: [], headline: [], verified: false, reruns: 0 };
}
