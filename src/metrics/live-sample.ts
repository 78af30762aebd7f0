/**
 * What live export reads of a profile's run as each second closes (ProfileMetrics.onSecond): the running
 * totals, the gauges, and the histograms in a caller's coarse buckets. Plain data, so it crosses a process
 * boundary (a `run --workers` child sends it to its parent) as it is. Built once a second, never per request.
 */
import { bucketCounts, type BucketCounts } from './histogram.js';
import type { ProfileMetrics } from './profile-metrics.js';

/** The timings sampled live: the report's histograms of the same names, and the generator's event-loop delay. */
export const LIVE_HISTOGRAMS = ['latency', 'queueWait', 'connect', 'ttfb', 'ttft', 'itl', 'loopDelay'] as const;
export type LiveHistogramName = (typeof LIVE_HISTOGRAMS)[number];

/** Whose sample it is: the labels every exported series carries. */
export interface LiveRun {
  runId: string;
  scenario: string;
  profile: string;
  /** This shard's index (1..count); 1 of 1 for a run that is not sharded. */
  shard: number;
  shards: number;
  /** When its measured run began, ms since the epoch (its counters' start). */
  startMs: number;
}

export interface LiveSample {
  /** Wall-clock time of the sample (ms since the epoch). */
  atMs: number;
  /** Logical requests: started, completed OK, late starts; `failed` by the code each finally failed with. */
  requests: { started: number; ok: number; late: number; failed: Record<string, number> };
  inFlight: number;
  attempts: { primary: number; hedge: number; retry: number };
  statuses: Record<string, number>;
  errors: Record<string, number>;
  connections: { opened: number; reused: number; closedByServer: number; closedByClient: number };
  histograms: Record<LiveHistogramName, BucketCounts>;
}

/** The sample of `m` now, its histograms in buckets with these upper bounds (µs). */
export function liveSample(m: ProfileMetrics, boundsUs: readonly number[], atMs = Date.now()): LiveSample {
  const { requests: r, attempts: a, connections: c } = m;
  // The whole run's histograms take the second under way as it closes (intervals.ts): a sample between closes adds it now.
  m.intervals.fold();
  const of = (n: LiveHistogramName) => bucketCounts(n === 'loopDelay' ? m.probe.delay : m[n], boundsUs);
  return {
    atMs,
    requests: { started: r.total, ok: r.ok, late: r.late, failed: { ...m.requestErrors } },
    inFlight: m.inFlight,
    attempts: { primary: a.primary, hedge: a.hedge, retry: a.retry },
    statuses: { ...m.statuses },
    errors: { ...m.errors },
    connections: { opened: c.opened, reused: c.reused, closedByServer: c.closedByServer, closedByClient: c.closedByClient },
    histograms: Object.fromEntries(LIVE_HISTOGRAMS.map((n) => [n, of(n)])) as Record<LiveHistogramName, BucketCounts>,
  };
}
