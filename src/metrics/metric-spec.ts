/**
 * A metric name parsed once into a spec, by the registry (metric-registry.ts), and read from a whole run
 * (histograms decoded once) or from a slice of its intervals (the gate's noise estimate, windowed
 * thresholds, a run's abort watcher).
 */
import { createHistogram, decodeHistogram, type Histogram } from './histogram.js';
import { intervalWidthMs, type IntervalHistogramName, type IntervalSeries } from './intervals.js';
import type { MeasuredProfile } from './measured.js';
import { COUNT_FAMILIES, COUNTS, RATE, RATIOS, TIMINGS, metricsHelp, type Better, type Counted, type IntervalCountName, type MetricKind, type TimingName } from './metric-registry.js';

export type { Counted, MetricKind };
export type DurationStat = 'avg' | 'min' | 'max' | { q: number };

export type MetricSpec =
  | { kind: 'duration'; name: string; histogram: IntervalHistogramName; stat: DurationStat }
  | { kind: 'ratio'; name: string; num: IntervalCountName; den: IntervalCountName; whole: (p: Counted) => [number, number] }
  | { kind: 'rate'; name: string }
  | { kind: 'count'; name: string; read: (p: Counted) => number; samples: (p: Counted) => number; perInterval: IntervalCountName | null };

export interface MetricValue {
  value: number | null;
  kind: MetricKind;
  /** Samples behind the value (for noise handling). */
  samples: number;
  /** 95% confidence interval, when known (percentiles from their histogram, assuming independent samples). */
  ci: [number, number] | null;
}

/** Every metric name the gate knows, for an error message. */
export const METRIC_HELP = metricsHelp();

const own = <T extends object>(table: T, key: string): key is Extract<keyof T, string> => Object.hasOwn(table, key);

/** Parse a metric name; throws an Error whose message names what is wrong. */
export function parseMetric(name: string): MetricSpec {
  if (own(RATIOS, name)) {
    const [num, den] = RATIOS[name].perInterval;
    return { kind: 'ratio', name, num, den, whole: RATIOS[name].whole };
  }
  if (name === RATE.name) return { kind: 'rate', name };
  if (own(COUNTS, name)) {
    const c = COUNTS[name];
    return { kind: 'count', name, read: c.read, samples: c.samples, perInterval: c.perInterval };
  }
  const dot = name.indexOf('.');
  const family = dot > 0 ? name.slice(0, dot) : '';
  if (own(COUNT_FAMILIES, family)) {
    const f = COUNT_FAMILIES[family];
    const key = name.slice(dot + 1);
    const problem = f.keyProblem(key, name);
    if (problem) throw new Error(problem);
    return { kind: 'count', name, read: (p) => f.read(p, key), samples: f.samples, perInterval: null };
  }
  const split = name.startsWith('p(') ? -1 : dot;
  const timing = split === -1 ? 'latency' : name.slice(0, split);
  const statName = split === -1 ? name : name.slice(split + 1);
  if (!own(TIMINGS, timing)) throw new Error(`unknown metric "${name}" (known: ${METRIC_HELP})`);
  const histogram = TIMINGS[timing as TimingName].histogram;
  if (statName === 'avg' || statName === 'min' || statName === 'max') return { kind: 'duration', name, histogram, stat: statName };
  if (statName === 'med') return { kind: 'duration', name, histogram, stat: { q: 50 } };
  const pm = /^p\((\d+(?:\.\d+)?)\)$/.exec(statName);
  if (!pm) throw new Error(`unknown metric "${name}" (known: ${METRIC_HELP})`);
  const q = Number(pm[1]);
  if (q <= 0 || q > 100) throw new Error(`"${name}": a percentile is between 0 and 100`);
  return { kind: 'duration', name, histogram, stat: { q } };
}

/** Which way the metric gets worse (a time, a failure share: up; a rate, goodput: down). */
export function betterOf(spec: MetricSpec): Better {
  if (spec.kind === 'ratio') return RATIOS[spec.name as keyof typeof RATIOS].better;
  return spec.kind === 'rate' ? RATE.better : 'lower';
}

const cache = new WeakMap<MeasuredProfile, Map<string, Histogram>>();

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
      const h = histogramOf(p, spec.histogram);
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
      const ok = sum(s.counts[RATE.perInterval]);
      return { value: ms > 0 ? (ok * 1000) / ms : null, samples: ok };
    }
    case 'count': {
      return { value: spec.perInterval === null ? null : sum(s.counts[spec.perInterval]), samples: sum(s.counts.completed) };
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
