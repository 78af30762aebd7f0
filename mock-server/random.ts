import * as hdr from 'hdr-histogram-js';
import type { LatencySpec } from './faults-schema.js';

export type { LatencySpec };

/**
 * Seeded randomness, so a fault run is reproducible: the same seed and the same request order give the
 * same latencies and the same injected faults.
 */

/** mulberry32: tiny, fast, good enough for fault injection; returns [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** z such that P(Z <= z) = 0.99 for a standard normal. */
const Z99 = 2.3263478740408408;

/** A recorded histogram as cumulative buckets: each bucket's range (ms) and the count up to it. */
interface Buckets {
  lowMs: number[];
  highMs: number[];
  cumulative: number[];
  total: number;
}

const bucketCache = new Map<string, Buckets>();

/** Decode once per histogram (a faults file may be set again and again). Throws when it is not a histogram. */
export function hdrBuckets(encoded: string): Buckets {
  let b = bucketCache.get(encoded);
  if (b) return b;
  const h = hdr.decodeFromCompressedBase64(encoded, 32, false) as hdr.Histogram & {
    recordedValuesIterator: { reset(): void; hasNext(): boolean; next(): { valueIteratedTo: number; countAtValueIteratedTo: number } };
    lowestEquivalentValue(v: number): number;
    highestEquivalentValue(v: number): number;
  };
  b = { lowMs: [], highMs: [], cumulative: [], total: 0 };
  const it = h.recordedValuesIterator;
  it.reset();
  while (it.hasNext()) {
    const v = it.next();
    b.total += v.countAtValueIteratedTo;
    b.lowMs.push(h.lowestEquivalentValue(v.valueIteratedTo) / 1000);
    b.highMs.push(h.highestEquivalentValue(v.valueIteratedTo) / 1000);
    b.cumulative.push(b.total);
  }
  if (b.total === 0) throw new Error('the histogram is empty');
  bucketCache.set(encoded, b);
  return b;
}

/** The bucket holding the k-th value (0-based), by binary search over the cumulative counts. */
function bucketAt(b: Buckets, k: number): number {
  let lo = 0;
  let hi = b.cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((b.cumulative[mid] as number) > k) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function standardNormal(rand: () => number): number {
  // Box–Muller; 1 - u keeps the log finite.
  const u = 1 - rand();
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A sampler for one latency distribution, in ms (never negative). */
export function latencySampler(spec: LatencySpec, rand: () => number): () => number {
  switch (spec.dist) {
    case 'fixed':
      return () => spec.ms;
    case 'uniform':
      return () => spec.minMs + rand() * (spec.maxMs - spec.minMs);
    case 'normal':
      return () => Math.max(0, spec.meanMs + spec.stddevMs * standardNormal(rand));
    case 'lognormal': {
      // median = e^mu; p99 = e^(mu + Z99 * sigma)
      const mu = Math.log(spec.medianMs);
      const sigma = Math.log(spec.p99Ms / spec.medianMs) / Z99;
      return () => Math.exp(mu + sigma * standardNormal(rand));
    }
    case 'pareto':
      // Inverse CDF: x = xm / U^(1/alpha)
      return () => spec.minMs / Math.pow(1 - rand(), 1 / spec.alpha);
    case 'bimodal':
      return () => (rand() * 100 < spec.slowPct ? spec.slowMs : spec.fastMs);
    case 'hdr': {
      // A value drawn as the recording's share of each bucket, placed uniformly within the bucket.
      const b = hdrBuckets(spec.histogram);
      return () => {
        const i = bucketAt(b, Math.floor(rand() * b.total));
        const low = b.lowMs[i] as number;
        return low + rand() * ((b.highMs[i] as number) - low);
      };
    }
  }
}

/** The distribution's true quantile q (0..1), to check observed percentiles against. */
export function latencyQuantile(spec: LatencySpec, q: number): number {
  switch (spec.dist) {
    case 'fixed':
      return spec.ms;
    case 'uniform':
      return spec.minMs + q * (spec.maxMs - spec.minMs);
    case 'normal':
      return Math.max(0, spec.meanMs + spec.stddevMs * inverseNormal(q));
    case 'lognormal': {
      const sigma = Math.log(spec.p99Ms / spec.medianMs) / Z99;
      return spec.medianMs * Math.exp(sigma * inverseNormal(q));
    }
    case 'pareto':
      return spec.minMs / Math.pow(1 - q, 1 / spec.alpha);
    case 'bimodal':
      return q < 1 - spec.slowPct / 100 ? spec.fastMs : spec.slowMs;
    case 'hdr': {
      const b = hdrBuckets(spec.histogram);
      return b.highMs[bucketAt(b, Math.min(b.total - 1, Math.floor(q * b.total)))] as number;
    }
  }
}

/** Acklam's rational approximation of the standard normal quantile (relative error < 1.2e-9). */
function inverseNormal(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -(((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) / (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1);
}
