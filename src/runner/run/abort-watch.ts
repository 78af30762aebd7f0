/**
 * Thresholds marked abortOnFail, watched while the run goes: a count limit (failed<10) is lost for good
 * once crossed, a windowed threshold once its latest complete window breaks it. The run then stops as on
 * Ctrl+C (in-flight requests drain, the report is partial and says which threshold stopped it).
 */
import { holds, minSamplesFor, sliceValue, type ProfileMetrics, type Threshold } from '../../metrics/index.js';

/** Fewest samples in a window before a duration threshold may stop a run (the gate's floor). */
const MIN_SAMPLES = 30;

/** Why the threshold is already lost, or null while it can still hold. */
export function thresholdLost(t: Threshold, metrics: ProfileMetrics): string | null {
  if (t.windowMs === null) {
    if (t.spec.kind !== 'count') return null;
    const v = t.spec.read(metrics);
    return holds[t.op](v, t.limit) ? null : `${t.spec.name} reached ${v}`;
  }
  const s = metrics.intervals.closed();
  const n = s.counts.completed.length;
  const span = Math.max(1, Math.ceil(t.windowMs / s.widthMs));
  if (n < span) return null;
  const w = sliceValue(t.spec, s, n - span, n);
  if (w.value === null || (t.spec.kind === 'duration' && w.samples < minSamplesFor(t.spec, MIN_SAMPLES))) return null;
  if (holds[t.op](w.value, t.limit)) return null;
  return `${t.spec.name} was ${Math.round(w.value * 1000) / 1000} in the window ${((n - span) * s.widthMs) / 1000}–${(n * s.widthMs) / 1000} s`;
}

export function firstLost(thresholds: Threshold[], metrics: ProfileMetrics): { threshold: string; detail: string } | null {
  for (const t of thresholds) {
    const why = thresholdLost(t, metrics);
    if (why !== null) return { threshold: t.source, detail: why };
  }
  return null;
}
