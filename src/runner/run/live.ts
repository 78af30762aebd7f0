/**
 * The run's hook for live export (src/export reads it; the runner never imports an exporter): as each
 * measured second closes, a sample of the profile's counts and coarse histograms goes to `onSample`, with
 * who it is of. A run's id ties its live series to its report.
 */
import { randomBytes } from 'node:crypto';
import { liveSample, type LiveRun, type LiveSample, type ProfileMetrics } from '../../metrics/index.js';

export type { LiveRun };

export interface LiveOptions {
  /** Upper bounds (µs) of the coarse buckets the histograms are sampled in. */
  boundsUs: readonly number[];
  onSample(run: LiveRun, sample: LiveSample): void;
}

/** A run's id: short, random, a label value (the coordinator issues one for all its shards). */
export function newRunId(): string {
  return randomBytes(6).toString('hex');
}

/** Sample `metrics` each second it closes, for `live` (nothing when nobody watches). */
export function watchLive(metrics: ProfileMetrics, run: LiveRun, live: LiveOptions | undefined): void {
  if (!live) return;
  metrics.onSecond = (m) => live.onSample(run, liveSample(m, live.boundsUs));
}
