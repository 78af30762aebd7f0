/**
 * The metrics that gates and comparisons speak of, parsed once into a spec and read from a whole run
 * (histograms decoded once) or from a slice of its intervals (the gate's noise estimate, windowed
 * thresholds, a run's abort watcher).
 *   p(99) avg min max med      latency of logical requests (default), or ttfb.p(99), queue_wait.avg, connect.max
 *   ttft. itl. tpot.                                               streams: time to first token, between tokens, per output token
 *   error_rate late_rate retry_rate hedge_rate goodput             ratios
 *   rate                                                           completed OK per second over the load window
 *   count failed errors.pool_timeout status.429                    counts (per error code or status)
 */
import { ERROR_CODES } from '../engine/index.js';
import { createHistogram, decodeHistogram, type Histogram } from './histogram.js';
import { intervalWidthMs, type IntervalCountName, type IntervalHistogramName, type IntervalSeries } from './intervals.js';
import type { MeasuredProfile } from './measured.js';

export type MetricKind = 'duration' | 'ratio' | 'count' | 'rate';
export type DurationStat = 'avg' | 'min' | 'max' | { q: number };

export type MetricSpec =
  | { kind: 'duration'; name: string; histogram: IntervalHistogramName; stat: DurationStat }
  | { kind: 'ratio'; name: string; num: IntervalCountName; den: IntervalCountName; whole: (p: MeasuredProfile) => [number, number] }
  | { kind: 'rate'; name: string }
  | { kind: 'count'; name: string; read: (p: Counted) => number; samples: (p: Counted) => number };

/** What a count reads: a report's profile, or a run's live metrics (an abortOnFail watcher). */
export type Counted = Pick<MeasuredProfile, 'requests' | 'errors' | 'statuses' | 'attempts'>;

export interface MetricValue {
  value: number | null;
  kind: MetricKind;
  /** Samples behind the value (for noise handling). */
  samples: number;
  /** 95% confidence interval, when known (percentiles from their histogram, assuming independent samples). */
  ci: [number, number] | null;
}

/** The timing a metric name starts with (latency when none). */
const TIMINGS: Record<string, IntervalHistogramName> = { latency: 'latency', ttfb: 'ttfb', queue_wait: 'queueWait', connect: 'connect', ttft: 'ttft', itl: 'itl', tpot: 'tpot' };

const RATIOS: Record<string, Omit<Extract<MetricSpec, { kind: 'ratio' }>, 'kind' | 'name'>> = {
  error_rate: { num: 'failed', den: 'completed', whole: (p) => [p.requests.failed, p.requests.total] },
  late_rate: { num: 'late', den: 'started', whole: (p) => [p.requests.late, p.requests.total] },
  retry_rate: { num: 'retry', den: 'primary', whole: (p) => [p.attempts.retry, p.attempts.primary] },
  hedge_rate: { num: 'hedge', den: 'primary', whole: (p) => [p.attempts.hedge, p.attempts.primary] },
  // Requests that met the scenario's SLO (and succeeded): null without an SLO.
  goodput: { num: 'good', den: 'completed', whole: (p) => (p.goodput ? [p.goodput.met, p.goodput.of] : [0, 0]) },
};

const KNOWN_CODES = new Set<string>(ERROR_CODES);

/** Every metric name the gate knows, for an error message. */
export const METRIC_HELP =
  'p(N), avg, min, max, med (of latency, or ttfb., queue_wait., connect., ttft., itl., tpot.), error_rate, late_rate, retry_rate, hedge_rate, goodput, rate, count, failed, errors.CODE, status.NNN';

/** Parse a metric name; throws an Error whose message names what is wrong. */
export function parseMetric(name: string): MetricSpec {
  const ratio = RATIOS[name];
  if (ratio) return { kind: 'ratio', name, ...ratio };
  if (name === 'rate') return { kind: 'rate', name };
  if (name === 'count') return { kind: 'count', name, read: (p) => p.requests.total, samples: (p) => p.requests.total };
  if (name === 'failed') return { kind: 'count', name, read: (p) => p.requests.failed, samples: (p) => p.requests.total };
  if (name.startsWith('errors.')) {
    const code = name.slice(7);
    if (!KNOWN_CODES.has(code)) throw new Error(`unknown error code "${code}" in "${name}" (known: ${ERROR_CODES.join(', ')})`);
    return { kind: 'count', name, read: (p) => p.errors[code] ?? 0, samples: (p) => p.attempts.total };
  }
  if (name.startsWith('status.')) {
    const status = name.slice(7);
    if (!/^[1-5]\d\d$/.test(status)) throw new Error(`"${name}": a status is three digits, 100 to 599`);
    return { kind: 'count', name, read: (p) => p.statuses[status] ?? 0, samples: (p) => p.attempts.total };
  }
  const dot = name.startsWith('p(') ? -1 : name.indexOf('.');
  const histogram = dot === -1 ? 'latency' : TIMINGS[name.slice(0, dot)];
  const statName = dot === -1 ? name : name.slice(dot + 1);
  if (!histogram) throw new Error(`unknown metric "${name}" (known: ${METRIC_HELP})`);
  if (statName === 'avg' || statName === 'min' || statName === 'max') return { kind: 'duration', name, histogram, stat: statName };
  if (statName === 'med') return { kind: 'duration', name, histogram, stat: { q: 50 } };
  const pm = /^p\((\d+(?:\.\d+)?)\)$/.exec(statName);
  if (!pm) throw new Error(`unknown metric "${name}" (known: ${METRIC_HELP})`);
  const q = Number(pm[1]);
  if (q <= 0 || q > 100) throw new Error(`"${name}": a percentile is between 0 and 100`);
  return { kind: 'duration', name, histogram, stat: { q } };
}

const cache = new WeakMap<MeasuredProfile, Map<string, Histogram>>();

const WHOLE: Record<IntervalHistogramName, keyof MeasuredProfile['histograms']> = { latency: 'latency', ttfb: 'ttfb', queueWait: 'queueWait', connect: 'connect', ttft: 'ttft', itl: 'itl', tpot: 'tpot', latencySent: 'latencySent', latencyNet: 'latencyNet' };

export function histogramOf(p: MeasuredProfile, name: keyof MeasuredProfile['histograms']): Histogram {
  let byName = cache.get(p);
  if (!byName) cache.set(p, (byName = new Map()));
  let h = byName.get(name);
  // A histogram an older report lacks reads as empty.
  if (!h) byName.set(name, (h = p.histograms[name] === undefined ? createHistogram() : decodeHistogram(p.histograms[name])));
  return h;
}

const Z95 = 1.959964;

/** Value at percentile q (0..100) with a 95% CI from binomial order statistics (ms), for independent samples. */
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

/** A duration statistic of one histogram (ms), null when it is empty. */
export function statOf(h: Histogram, stat: DurationStat): number | null {
  if (h.totalCount === 0) return null;
  if (stat === 'avg') return h.mean / 1000;
  if (stat === 'min') return h.minNonZeroValue / 1000;
  if (stat === 'max') return h.maxValue / 1000;
  return h.getValueAtPercentile(stat.q) / 1000;
}

/** The metric over the whole run. */
export function valueOf(spec: MetricSpec, p: MeasuredProfile): MetricValue {
  switch (spec.kind) {
    case 'ratio': {
      const [num, den] = spec.whole(p);
      return { value: den > 0 ? num / den : null, kind: 'ratio', samples: den, ci: null };
    }
    case 'rate': {
      const seconds = p.durationMs / 1000;
      const n = p.requests.total;
      // Completed OK per second over the load window (older reports: all requests over the whole run).
      return { value: p.rate ? p.rate.achieved : seconds > 0 ? n / seconds : null, kind: 'rate', samples: n, ci: null };
    }
    case 'count':
      return { value: spec.read(p), kind: 'count', samples: spec.samples(p), ci: null };
    case 'duration': {
      const h = histogramOf(p, WHOLE[spec.histogram]);
      const samples = h.totalCount;
      if (samples === 0) return { value: null, kind: 'duration', samples, ci: null };
      if (typeof spec.stat === 'object') return { ...percentileWithCi(h, spec.stat.q), kind: 'duration', samples };
      return { value: statOf(h, spec.stat), kind: 'duration', samples, ci: null };
    }
  }
}

export function metricOf(p: MeasuredProfile, name: string): MetricValue {
  return valueOf(parseMetric(name), p);
}

/** How many samples a percentile needs before its tail means anything: at least 10 beyond it. */
export function minSamplesFor(spec: MetricSpec, floor: number): number {
  if (spec.kind !== 'duration' || typeof spec.stat !== 'object') return floor;
  const q = spec.stat.q / 100;
  // Rounded first: 99.9 / 100 is not exactly 0.999 in binary.
  return Math.max(floor, q >= 1 ? floor : Math.ceil(Math.round((10 / (1 - q)) * 1e6) / 1e6));
}

/** The metric over intervals [from, to) (a batch, or a threshold's window), and the samples behind it. */
export function sliceValue(spec: MetricSpec, s: IntervalSeries, from: number, to: number): { value: number | null; samples: number } {
  const sum = (xs: number[]) => {
    let t = 0;
    for (let i = from; i < to; i++) t += xs?.[i] ?? 0;
    return t;
  };
  switch (spec.kind) {
    case 'ratio': {
      const den = sum(s.counts[spec.den]);
      return { value: den > 0 ? sum(s.counts[spec.num]) / den : null, samples: den };
    }
    case 'rate': {
      let ms = 0;
      for (let i = from; i < to; i++) ms += intervalWidthMs(s, i);
      const ok = sum(s.counts.ok);
      return { value: ms > 0 ? (ok * 1000) / ms : null, samples: ok };
    }
    case 'count': {
      const n = spec.name === 'failed' ? sum(s.counts.failed) : spec.name === 'count' ? sum(s.counts.completed) : null;
      return { value: n, samples: sum(s.counts.completed) };
    }
    case 'duration': {
      const h = createHistogram();
      for (let i = from; i < to; i++) {
        const e = s.histograms[spec.histogram]?.[i];
        if (e !== undefined) h.add(decodeHistogram(e));
      }
      return { value: statOf(h, spec.stat), samples: h.totalCount };
    }
  }
}
