/**
 * A statistic and its confidence interval, over a whole run or one window of its intervals, as the
 * gate's thresholds read them:
 *   percentile  the share of samples at or below the limit (distribution-free: that count is binomial),
 *               over the effective sample size (effective-samples.ts); shown as the percentile's interval
 *   ratio       a binomial share the same way (error_rate, goodput, ...)
 *   mean, rate  batch means: the run's batch values give a standard error and Student's t
 *   min, max, counts, p(100)   no interval: judged on the observed value
 */
import { countAtOrBelowMs, createHistogram, histogramOf, intervalWidthMs, sliceValue, statOf, valueOf, type Histogram, type IntervalHistogramName, type IntervalSeries, type MeasuredProfile, type MetricSpec } from '../metrics/index.js';
import { binomialInterval, tQuantile } from './confidence.js';
import { designEffect, intervalHistograms, sharesAtOrBelow } from './effective-samples.js';
import { runNoise } from './noise.js';

export interface Estimate {
  value: number;
  /** The interval (equal to value when there is none). */
  lo: number;
  hi: number;
  samples: number;
  /** A share's effective sample size; null for other estimates. */
  effective: number | null;
}

/** [from, to) of a run's intervals, or null for the whole run. */
export type Range = { from: number; to: number } | null;

export type Shape = 'share' | 'mean' | 'observed';

/** How a metric is estimated: a share of samples, a mean-like value with a standard error, or as observed. */
export function shapeOf(spec: MetricSpec): Shape {
  if (spec.kind === 'ratio') return 'share';
  if (spec.kind === 'rate') return 'mean';
  if (spec.kind === 'count') return 'observed';
  if (spec.stat === 'avg') return 'mean';
  return typeof spec.stat === 'object' && spec.stat.q < 100 ? 'share' : 'observed';
}

export function shareEstimate(hits: number, trials: number, deff: number, alpha: number): Estimate {
  const value = trials > 0 ? hits / trials : 0;
  const effective = trials / deff;
  const [lo, hi] = binomialInterval(value * effective, effective, alpha);
  return { value, lo, hi, samples: trials, effective };
}

const sum = (xs: ArrayLike<number> | undefined, r: { from: number; to: number }) => {
  let t = 0;
  for (let i = r.from; i < r.to; i++) t += xs?.[i] ?? 0;
  return t;
};

/**
 * Per-run facts a share needs, computed once: its design effect at the limit, and in words where it came
 * from. A share with no spread between batches (no sample beyond the limit, no error at all) has no
 * correlation to measure: its samples are taken as independent, and the verdict says so.
 */
export interface ShareContext {
  deff: number;
  /** How the sample size was made effective, for the verdict's detail. */
  model: string;
}

export function shareContext(spec: MetricSpec, p: MeasuredProfile, limit: number): ShareContext {
  const s = p.intervals;
  if (!s) return { deff: 1, model: 'taken as independent (the report has no intervals)' };
  let d = null;
  if (spec.kind === 'ratio') d = designEffect(s.counts[spec.num] ?? [], s.counts[spec.den] ?? []);
  else if (spec.kind === 'duration') {
    const at = sharesAtOrBelow(s, spec.histogram, limit);
    d = at ? designEffect(at.hits, at.trials) : null;
  }
  if (!d) return { deff: 1, model: 'taken as independent (no spread between batches to measure a correlation from)' };
  const total = spec.kind === 'ratio' ? spec.whole(p)[1] : histogramOf(p, (spec as { histogram: IntervalHistogramName }).histogram).totalCount;
  return { deff: d.deff, model: `worth ${fmtEffective(total / d.deff)} independent ones (batch means over ${d.batches} batches)` };
}

const fmtEffective = (n: number) => Math.round(n).toLocaleString('en-US');

/** A share over the whole run or a window: at or below `limit` for a percentile, num/den for a ratio. */
export function shareOver(spec: MetricSpec, p: MeasuredProfile, range: Range, limit: number, deff: number, alpha: number): Estimate | null {
  if (spec.kind === 'ratio') {
    if (range === null) {
      const [num, den] = spec.whole(p);
      return den > 0 ? shareEstimate(num, den, deff, alpha) : null;
    }
    const s = p.intervals as IntervalSeries;
    const den = sum(s.counts[spec.den], range);
    return den > 0 ? shareEstimate(sum(s.counts[spec.num], range), den, deff, alpha) : null;
  }
  if (spec.kind !== 'duration') return null;
  if (range === null) {
    const h = histogramOf(p, spec.histogram);
    return h.totalCount > 0 ? shareEstimate(countAtOrBelowMs(h, limit), h.totalCount, deff, alpha) : null;
  }
  const hs = intervalHistograms(p.intervals as IntervalSeries, spec.histogram);
  if (!hs) return null;
  let hits = 0;
  let trials = 0;
  for (let i = range.from; i < range.to; i++) {
    const h = hs[i];
    if (!h) continue;
    hits += countAtOrBelowMs(h, limit);
    trials += h.totalCount;
  }
  return trials > 0 ? shareEstimate(hits, trials, deff, alpha) : null;
}

/** A percentile's own interval, from the order statistics its effective sample size allows (for display). */
export function percentileInterval(h: Histogram, q: number, effective: number, alpha: number): [number, number] {
  const [lo, hi] = binomialInterval((q / 100) * effective, effective, alpha);
  return [h.getValueAtPercentile(lo * 100) / 1000, h.getValueAtPercentile(hi * 100) / 1000];
}

/** The window's (or run's) merged histogram of a timing. */
export function histogramOver(spec: Extract<MetricSpec, { kind: 'duration' }>, p: MeasuredProfile, range: Range): Histogram {
  if (range === null) return histogramOf(p, spec.histogram);
  const h = createHistogram();
  for (const x of (intervalHistograms(p.intervals as IntervalSeries, spec.histogram) ?? []).slice(range.from, range.to)) h.add(x);
  return h;
}

/** Per-run facts a mean needs: its standard error from batch means (without the between-runs floor: a threshold speaks of one run). */
export interface MeanContext {
  se: number;
  df: number;
  model: string;
}

export function meanContext(spec: MetricSpec, p: MeasuredProfile): MeanContext | null {
  const noise = runNoise(spec, p, false);
  return noise ? { se: noise.se, df: noise.df, model: noise.model } : null;
}

/** Standard error of a mean (or a rate) as if its samples were independent. */
function independentSe(spec: MetricSpec, p: MeasuredProfile, range: Range): number {
  if (spec.kind === 'rate') {
    const { ok, ms } = rateCounts(p, range);
    return ms > 0 ? (Math.sqrt(Math.max(1, ok)) * 1000) / ms : 0;
  }
  if (spec.kind !== 'duration') return 0;
  const h = histogramOver(spec, p, range);
  return h.totalCount > 1 ? h.stdDeviation / 1000 / Math.sqrt(h.totalCount) : 0;
}

function rateCounts(p: MeasuredProfile, range: Range): { ok: number; ms: number } {
  const s = p.intervals;
  if (range === null || !s) return { ok: p.requests.ok, ms: p.loadWindowMs };
  let ms = 0;
  for (let i = range.from; i < range.to; i++) ms += intervalWidthMs(s, i);
  return { ok: sum(s.counts.ok, range), ms };
}

/**
 * A mean or rate with its interval: the run's from batch means (Student's t), a window's from its own
 * samples (a window speaks of that stretch of this run: threshold-verdict.ts); a window's rate is a count
 * over its time, observed exactly.
 */
export function meanOver(spec: MetricSpec, p: MeasuredProfile, range: Range, ctx: MeanContext, alpha: number, shiftMs = 0): Estimate | null {
  const t = tQuantile(1 - alpha / 2, range === null ? ctx.df : Infinity);
  if (range === null) {
    const v = valueOf(spec, p);
    if (v.value === null) return null;
    const value = v.value - shiftMs;
    return { value, lo: value - t * ctx.se, hi: value + t * ctx.se, samples: v.samples, effective: null };
  }
  const w = sliceValue(spec, p.intervals as IntervalSeries, range.from, range.to);
  if (w.value === null || w.samples === 0) return null;
  const se = spec.kind === 'rate' ? 0 : independentSe(spec, p, range);
  const value = w.value - shiftMs;
  return { value, lo: value - t * se, hi: value + t * se, samples: w.samples, effective: null };
}

/** An observed value, no interval: min, max, p(100), counts. */
export function observedOver(spec: MetricSpec, p: MeasuredProfile, range: Range, shiftMs = 0): Estimate | null {
  if (range === null) {
    const v = valueOf(spec, p);
    return v.value === null ? null : { value: v.value - shiftMs, lo: v.value - shiftMs, hi: v.value - shiftMs, samples: v.samples, effective: null };
  }
  if (spec.kind === 'duration') {
    const h = histogramOver(spec, p, range);
    const v = statOf(h, spec.stat);
    return v === null ? null : { value: v - shiftMs, lo: v - shiftMs, hi: v - shiftMs, samples: h.totalCount, effective: null };
  }
  const w = sliceValue(spec, p.intervals as IntervalSeries, range.from, range.to);
  return w.value === null ? null : { value: w.value, lo: w.value, hi: w.value, samples: w.samples, effective: null };
}
