/**
 * How many independent samples a run is worth. Samples within a run are correlated (a queue, a GC pause,
 * a busy machine: docs/gate-noise.md), so a share (the fraction of latencies at or below a limit, an
 * error rate) varies between runs more than a binomial of n would: by the design effect, the ratio of its
 * real variance to the independent one. The real variance comes from batch means, as for noise.ts: the
 * run's intervals cut into B ≤ 20 contiguous batches, the share's spread between batches (a ratio
 * estimator's, so batches of different sizes weigh by their size), inflated for batches shorter than the
 * correlation. n / deff is the effective sample size the gate's binomial intervals are taken over.
 */
import { countAtOrBelowMs, decodeHistogram, type Histogram, type IntervalHistogramName, type IntervalSeries } from '../metrics/index.js';
import { normalQuantile, tQuantile } from './confidence.js';
import { correlationInflation, MAX_BATCHES, MIN_BATCHES } from './noise.js';

export interface DesignEffect {
  /** Variance over the independent one (at least 1: a run is never taken to be worth more than its count). */
  deff: number;
  batches: number;
}

/**
 * The design effect of the share Σhits / Σtrials over intervals [from, to), from batch means; null when the
 * share is 0 or 1 (no spread to measure) or there are too few intervals for batches. At least 1, and at
 * most n / B: each batch is worth at least one independent sample.
 */
export function designEffect(hits: ArrayLike<number>, trials: ArrayLike<number>, from = 0, to = trials.length): DesignEffect | null {
  const n = to - from;
  const batches = Math.min(MAX_BATCHES, n);
  if (batches < MIN_BATCHES) return null;
  const size = Math.floor(n / batches);
  const c: number[] = [];
  const t: number[] = [];
  for (let b = 0; b < batches; b++) {
    let ch = 0;
    let tr = 0;
    for (let i = from + b * size; i < (b === batches - 1 ? to : from + (b + 1) * size); i++) {
      ch += hits[i] ?? 0;
      tr += trials[i] ?? 0;
    }
    c.push(ch);
    t.push(tr);
  }
  const total = t.reduce((a, x) => a + x, 0);
  const share = c.reduce((a, x) => a + x, 0) / total;
  if (!(total > 0) || share <= 0 || share >= 1 || t.filter((x) => x > 0).length < MIN_BATCHES) return null;
  let ss = 0;
  for (let b = 0; b < batches; b++) ss += ((c[b] as number) - share * (t[b] as number)) ** 2;
  const ratios = t.map((x, b) => (x > 0 ? (c[b] as number) / x : share));
  const variance = ((batches / (batches - 1)) * ss) / total ** 2 * correlationInflation(ratios, true) ** 2;
  // B batches estimate the variance with B − 1 degrees of freedom: the binomial interval's normal quantile is
  // widened to Student's t by shrinking the sample size by (z / t)², so that uncertainty is not lost.
  const tWidening = (normalQuantile(0.975) / tQuantile(0.975, batches - 1)) ** 2;
  const deff = variance / ((share * (1 - share)) / total) / tWidening;
  // Each batch is worth at least one independent sample (deff ≤ n / B), however alike the batches came out.
  return { deff: Math.min(total / batches, Math.max(1, deff)), batches };
}

const decoded = new WeakMap<string[], Histogram[]>();

/** A series' interval histograms of one timing, decoded once (null when the series lacks that timing). */
export function intervalHistograms(s: IntervalSeries, name: IntervalHistogramName): Histogram[] | null {
  const encoded = s.histograms[name] as string[] | undefined;
  if (!encoded) return null;
  let hs = decoded.get(encoded);
  if (!hs) decoded.set(encoded, (hs = encoded.map(decodeHistogram)));
  return hs;
}

/** Per interval: how many values of a timing are at or below `ms`, and how many there are. */
export function sharesAtOrBelow(s: IntervalSeries, name: IntervalHistogramName, ms: number): { hits: number[]; trials: number[] } | null {
  const hs = intervalHistograms(s, name);
  if (!hs) return null;
  return { hits: hs.map((h) => countAtOrBelowMs(h, ms)), trials: hs.map((h) => h.totalCount) };
}
