/**
 * The metrics that gates and comparisons speak of, read from a ProfileReport (histograms decoded once).
 *   p(99) avg min max med      latency of logical requests (default), or ttfb.p(99), queue_wait.avg, connect.max
 *   error_rate rate count failed late_rate retry_rate hedge_rate     whole-run ratios and counts
 *   errors.pool_timeout status.429                                   counts per error code or status
 */
import { decodeHistogram, type Histogram } from '../metrics/index.js';
import type { ProfileReport } from '../runner/index.js';

export type MetricKind = 'duration' | 'ratio' | 'count' | 'rate';

export interface MetricValue {
  value: number | null;
  kind: MetricKind;
  /** Samples behind the value (for noise handling). */
  samples: number;
  /** 95% confidence interval, when known (percentiles from their histogram). */
  ci: [number, number] | null;
}

const HISTOGRAMS: Record<string, keyof ProfileReport['histograms']> = {
  latency: 'latency',
  ttfb: 'ttfb',
  queue_wait: 'queueWait',
  connect: 'connect',
};

const cache = new WeakMap<ProfileReport, Map<string, Histogram>>();

export function histogramOf(p: ProfileReport, name: keyof ProfileReport['histograms']): Histogram {
  let byName = cache.get(p);
  if (!byName) cache.set(p, (byName = new Map()));
  let h = byName.get(name);
  if (!h) byName.set(name, (h = decodeHistogram(p.histograms[name])));
  return h;
}

const Z95 = 1.959964;

/** Value at percentile q (0..100) with a 95% CI from binomial order statistics (ms). */
export function percentileWithCi(h: Histogram, q: number): { value: number; ci: [number, number] } {
  const n = h.totalCount;
  const p = q / 100;
  const spread = Z95 * Math.sqrt(n * p * (1 - p));
  const rank = (r: number) => Math.min(100, Math.max(0, (r / n) * 100));
  return {
    value: h.getValueAtPercentile(q) / 1000,
    ci: [h.getValueAtPercentile(rank(n * p - spread)) / 1000, h.getValueAtPercentile(rank(n * p + spread)) / 1000],
  };
}

export function metricOf(p: ProfileReport, name: string): MetricValue {
  const n = p.requests.total;
  const seconds = p.durationMs / 1000;
  const ratio = (x: number, of: number): MetricValue => ({ value: of > 0 ? x / of : null, kind: 'ratio', samples: of, ci: null });
  switch (name) {
    case 'error_rate':
      return ratio(p.requests.failed, n);
    case 'late_rate':
      return ratio(p.requests.late, n);
    case 'retry_rate':
      return ratio(p.attempts.retry, p.attempts.primary);
    case 'hedge_rate':
      return ratio(p.attempts.hedge, p.attempts.primary);
    case 'rate':
      // Completed OK per second over the load window (older reports: all requests over the whole run).
      return { value: p.rate ? p.rate.achieved : seconds > 0 ? n / seconds : null, kind: 'rate', samples: n, ci: null };
    case 'count':
      return { value: n, kind: 'count', samples: n, ci: null };
    case 'failed':
      return { value: p.requests.failed, kind: 'count', samples: n, ci: null };
  }
  if (name.startsWith('errors.')) return { value: (p.errors as Record<string, number>)[name.slice(7)] ?? 0, kind: 'count', samples: p.attempts.total, ci: null };
  if (name.startsWith('status.')) return { value: p.statuses[name.slice(7)] ?? 0, kind: 'count', samples: p.attempts.total, ci: null };

  const dot = name.indexOf('.');
  const source = dot === -1 || name.startsWith('p(') ? 'latency' : name.slice(0, dot);
  const stat = dot === -1 || name.startsWith('p(') ? name : name.slice(dot + 1);
  const histName = HISTOGRAMS[source];
  if (!histName) throw new Error(`unknown metric "${name}"`);
  const h = histogramOf(p, histName);
  const samples = h.totalCount;
  if (samples === 0) return { value: null, kind: 'duration', samples, ci: null };
  const pm = /^p\((\d+(?:\.\d+)?)\)$/.exec(stat);
  if (pm) {
    const q = Number(pm[1]);
    if (q <= 0 || q > 100) throw new Error(`p(${pm[1]}) must be between 0 and 100`);
    const { value, ci } = percentileWithCi(h, q);
    return { value, kind: 'duration', samples, ci };
  }
  switch (stat) {
    case 'avg':
      return { value: h.mean / 1000, kind: 'duration', samples, ci: null };
    case 'min':
      return { value: h.minNonZeroValue / 1000, kind: 'duration', samples, ci: null };
    case 'max':
      return { value: h.maxValue / 1000, kind: 'duration', samples, ci: null };
    case 'med':
      return { ...percentileWithCi(h, 50), kind: 'duration', samples };
  }
  throw new Error(`unknown metric "${name}"`);
}

/** How many samples a percentile needs before its tail means anything: at least 10 beyond it. */
export function minSamplesFor(name: string, floor: number): number {
  const pm = /p\((\d+(?:\.\d+)?)\)/.exec(name);
  if (!pm) return floor;
  const q = Number(pm[1]) / 100;
  // Rounded first: 99.9 / 100 is not exactly 0.999 in binary.
  return Math.max(floor, q >= 1 ? floor : Math.ceil(Math.round((10 / (1 - q)) * 1e6) / 1e6));
}
