/**
 * How much a metric would move if the run were repeated: the noise the gate and compare hold a
 * difference to. docs/gate-noise.md gives the reasoning; in short, samples within a run are correlated
 * (a queue, a GC pause, a busy event loop), so a standard error from independent draws is too small and
 * identical runs "regress". Three models, best first:
 *   between runs   the run-level values of several runs (--repeat, or several baselines): the truth, when
 *                  the user can afford it, and the only model that sees run-to-run effects (the machine).
 *   batch means    the run cut into B ≤ 20 contiguous batches of its 1 s intervals; batch statistics are
 *                  nearly independent when a batch outlasts the correlation, so sd(batch)/√B estimates the
 *                  standard error of a mean-like statistic (avg, percentiles, ratios, rates). A maximum is
 *                  not mean-like: its batch maxima are fitted with a Gumbel law instead (extreme values).
 *   independent    a report without intervals (older ones): binomial / Poisson errors, and said so.
 */
import { histogramOf, intervalWidthMs, percentileWithCi, sliceValue, valueOf, type IntervalSeries, type MeasuredProfile, type MetricSpec } from '../metrics/index.js';

export const MIN_BATCHES = 5;
export const MAX_BATCHES = 20;
/**
 * What batches cannot see: the machine changes between runs (another job, a busy neighbour, a different
 * CPU state). bench:gate measured identical runs on a 2-core machine differing by 6% (coefficient of
 * variation) in average latency and 3–8% in p50 with nothing in any run's own batches to show it. A
 * single run's standard error is taken to be at least this share of its value; between-run data
 * (--repeat, several baselines) replaces the assumption with a measurement.
 */
export const RUN_NOISE_FLOOR = 0.03;

export interface Noise {
  /** The statistic (the whole run's, or the mean over runs). */
  value: number;
  /** Standard error of value; for an extreme (max, min) under batch means, the Gumbel scale of the run's extreme. */
  se: number;
  df: number;
  /** The value is a run's maximum or minimum, judged with the extreme-value law. */
  extreme: boolean;
  /** Which model, in words, for the verdict's detail. */
  model: string;
}

const isExtreme = (spec: MetricSpec) => spec.kind === 'duration' && (spec.stat === 'max' || spec.stat === 'min');

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
function sd(xs: number[]): number {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

interface Batches {
  values: number[];
  /** How long each batch is. */
  batchMs: number;
}

const batchCache = new WeakMap<IntervalSeries, Map<string, Batches | null>>();

/** A metric's value in each batch of a run's intervals, or null when there are too few to estimate from. */
export function batchValues(spec: MetricSpec, s: IntervalSeries | undefined, loadWindowMs: number): Batches | null {
  if (!s || spec.kind === 'count') return null;
  let bySpec = batchCache.get(s);
  if (!bySpec) batchCache.set(s, (bySpec = new Map()));
  const key = `${spec.name}@${loadWindowMs}`;
  if (!bySpec.has(key)) bySpec.set(key, computeBatchValues(spec, s, loadWindowMs));
  return bySpec.get(key) ?? null;
}

function computeBatchValues(spec: MetricSpec, s: IntervalSeries, loadWindowMs: number): Batches | null {
  // A rate counts only intervals wholly inside the load window (the drain is not load). Otherwise a
  // last, partial interval (the drain's few answers) joins the batch before it rather than being a
  // batch of its own, whose handful of samples would pass for noise.
  const all = s.counts.completed.length;
  const n = spec.kind === 'rate' ? Math.floor(loadWindowMs / s.widthMs) : all;
  const whole = spec.kind !== 'rate' && all > 1 && intervalWidthMs(s, all - 1) < s.widthMs ? n - 1 : n;
  const batches = Math.min(MAX_BATCHES, whole);
  if (batches < MIN_BATCHES) return null;
  const size = Math.floor(whole / batches);
  const out: number[] = [];
  for (let b = 0; b < batches; b++) {
    const { value } = sliceValue(spec, s, b * size, b === batches - 1 ? n : (b + 1) * size);
    if (value !== null) out.push(value);
  }
  return out.length >= MIN_BATCHES ? { values: out, batchMs: size * s.widthMs } : null;
}

/**
 * Batches shorter than the correlation are themselves correlated, and sd/√B then understates the error.
 * For an AR(1)-like series of batch values with lag-1 autocorrelation r, the variance of their mean is
 * larger by (1 + r)/(1 − r); r is estimated from the batches (clamped: 20 values estimate it roughly).
 */
export function correlationInflation(xs: number[], unbiased = false): number {
  const m = mean(xs);
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    const d = (xs[i] as number) - m;
    den += d * d;
    if (i > 0) num += d * ((xs[i - 1] as number) - m);
  }
  const raw = den > 0 ? num / den : 0;
  // The lag-1 estimate from B values is biased low by about (1 + 3r)/B (Kendall): corrected where asked.
  const r = Math.min(0.8, Math.max(0, unbiased ? raw + (1 + 3 * raw) / xs.length : raw));
  return Math.sqrt((1 + r) / (1 - r));
}

/** Batch means (or, for a run's extreme, the Gumbel scale of its batch extremes); `floor`: RUN_NOISE_FLOOR applies. */
function batchNoise(spec: MetricSpec, p: MeasuredProfile, value: number, floor: boolean): Noise | null {
  const batches = batchValues(spec, p.intervals, p.loadWindowMs);
  if (!batches) return null;
  const xs = batches.values;
  const model = `batch means (${xs.length} batches of ${batches.batchMs / 1000} s)`;
  if (isExtreme(spec)) return { value, se: (sd(xs) * Math.sqrt(6)) / Math.PI, df: xs.length - 1, extreme: true, model };
  // The run-level floor is relative: it fits times and rates, not a ratio near 0 or 1 (error rate, goodput).
  const least = floor && spec.kind !== 'ratio' ? RUN_NOISE_FLOOR * Math.abs(value) : 0;
  return { value, se: Math.max((sd(xs) / Math.sqrt(xs.length)) * correlationInflation(xs), least), df: xs.length - 1, extreme: false, model };
}

/** Errors for independent samples: what older reports allow, and too small for real runs. */
function independentNoise(spec: MetricSpec, p: MeasuredProfile, value: number, why: string): Noise {
  const model = `independent samples (${why})`;
  const flat = { value, df: Infinity, extreme: false, model };
  switch (spec.kind) {
    case 'ratio': {
      const [, den] = spec.whole(p);
      return { ...flat, se: den > 0 ? Math.sqrt(Math.max(value * (1 - value), 1 / den) / den) : 0 };
    }
    case 'rate':
      return { ...flat, se: p.loadWindowMs > 0 ? Math.sqrt(Math.max(1, p.requests.ok)) / (p.loadWindowMs / 1000) : 0 };
    case 'count':
      return { ...flat, se: Math.sqrt(Math.max(1, value)) };
    case 'duration': {
      const h = histogramOf(p, spec.histogram === 'queueWait' ? 'queueWait' : spec.histogram);
      if (typeof spec.stat === 'object') {
        const { ci } = percentileWithCi(h, spec.stat.q);
        return { ...flat, se: (ci[1] - ci[0]) / (2 * 1.96) };
      }
      if (spec.stat === 'avg') return { ...flat, se: h.totalCount > 1 ? h.stdDeviation / 1000 / Math.sqrt(h.totalCount) : 0 };
      return { ...flat, se: 0 };
    }
  }
}

/**
 * The noise of one run's value: batch means when its intervals allow, else independent samples. `floor`
 * (the default) applies RUN_NOISE_FLOOR, what a comparison between runs must allow for; a threshold,
 * which speaks of this run only, is judged without it.
 */
export function runNoise(spec: MetricSpec, p: MeasuredProfile, floor = true): Noise | null {
  const value = valueOf(spec, p).value;
  if (value === null) return null;
  return batchNoise(spec, p, value, floor) ?? independentNoise(spec, p, value, p.intervals ? `too few intervals for batches: fewer than ${MIN_BATCHES}` : 'the report has no intervals');
}

/** The noise of several runs' values (the run-to-run spread), or null with fewer than 2 values. */
export function betweenRunsNoise(spec: MetricSpec, runs: MeasuredProfile[]): (Noise & { spread: number; runs: number }) | null {
  const xs = runs.map((r) => valueOf(spec, r).value).filter((v): v is number => v !== null);
  if (xs.length < 2) return null;
  const spread = sd(xs);
  return { value: mean(xs), se: spread / Math.sqrt(xs.length), df: xs.length - 1, extreme: false, model: `between runs (${xs.length} runs)`, spread, runs: xs.length };
}

/** Two-sided 97.5% quantile of Student's t (one-sided 2.5%), conservative for fractional df. */
export function tQuantile975(df: number): number {
  const table = [Infinity, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228];
  if (!Number.isFinite(df)) return 1.959964;
  const d = Math.max(1, Math.floor(df));
  const known = table[d];
  if (known !== undefined) return known;
  const z = 1.959964;
  // Cornish-Fisher expansion: within 0.001 of the exact value from df 11 on.
  return z + (z ** 3 + z) / (4 * d) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * d ** 2) + (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / (384 * d ** 3);
}

/** ln(39): the 97.5% quantile of the difference of two Gumbel maxima (a logistic law) in units of the scale. */
const GUMBEL_DIFF_975 = Math.log(39);

export interface Verdict {
  /** The excess over what is allowed (in the metric's unit), and how many standard errors that is. */
  excess: number;
  beyondNoise: boolean;
  /** How big an excess noise alone could make (97.5%). */
  margin: number;
}

/**
 * Is `cur − k·old − allowed` above zero beyond noise (one-sided, 2.5%)? k is 1 + a relative allowance
 * (1 − a for a rate, where lower is worse: then the sign is flipped by the caller via `higherIsWorse`).
 */
export function exceeds(cur: Noise, old: Noise, k: number, absolute: number, higherIsWorse: boolean): Verdict {
  const excess = higherIsWorse ? cur.value - k * old.value - absolute : k * old.value - cur.value - absolute;
  if (cur.extreme || old.extreme) {
    const scale = Math.sqrt((cur.se ** 2 + (k * old.se) ** 2) / 2);
    const margin = GUMBEL_DIFF_975 * scale;
    return { excess, beyondNoise: excess > margin, margin };
  }
  const vc = cur.se ** 2;
  const vo = (k * old.se) ** 2;
  const se = Math.sqrt(vc + vo);
  // Welch–Satterthwaite degrees of freedom.
  const df = se === 0 ? Infinity : (vc + vo) ** 2 / ((vc > 0 ? vc ** 2 / cur.df : 0) + (vo > 0 ? vo ** 2 / old.df : 0));
  const margin = tQuantile975(df) * se;
  return { excess, beyondNoise: excess > margin, margin };
}
