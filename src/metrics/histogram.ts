/**
 * Latency histograms: HDR, in microseconds, 3 significant digits (HdrHistogram's own recommendation),
 * so memory is fixed however many values are recorded. Summaries are in milliseconds.
 */
import * as hdr from 'hdr-histogram-js';
import { HIGHEST_US, type LatencySummary } from './latency-summary.js';

export type { LatencySummary };

export type Histogram = hdr.Histogram;

export function createHistogram(): Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3, useWebAssembly: false });
}

/** Record a duration given in ms. */
export function recordMs(h: Histogram, ms: number): void {
  const us = Math.round(ms * 1000);
  const v = us < 1 ? 1 : us > HIGHEST_US ? HIGHEST_US : us;
  if (FAST) recordFast(h as unknown as Internals, v);
  else h.recordValue(v);
}

/**
 * The hot path records every request into several histograms, and hdr-histogram-js finds a value's bucket
 * with Math.log2 and two Math.pow. For the integers we record (1 µs .. HIGHEST_US < 2^32) integer bit
 * operations give exactly the same index; the rest is what its recordValue does (count, min, max, total).
 * It reaches into the histogram's fields, so it is used only if a self-check at load finds it gives
 * histograms identical to recordValue's (else recordValue is used).
 */
interface Internals {
  _counts: Uint32Array;
  _totalCount: number;
  maxValue: number;
  minNonZeroValue: number;
  countsArrayLength: number;
  subBucketHalfCountMagnitude: number;
  subBucketHalfCount: number;
  unitMagnitude: number;
  unitMagnitudeMask: number;
  lowestDiscernibleValueRounded: number;
}

const SHAPE = createHistogram() as unknown as Internals;
const HALF_MAGNITUDE = SHAPE.subBucketHalfCountMagnitude;
const HALF_COUNT = SHAPE.subBucketHalfCount;
const UNIT_MAGNITUDE = SHAPE.unitMagnitude;
const UNIT_MASK = SHAPE.unitMagnitudeMask;
const LOWEST_ROUNDED = SHAPE.lowestDiscernibleValueRounded;

function recordFast(h: Internals, v: number): void {
  const bucket = Math.max(31 - Math.clz32(v) - HALF_MAGNITUDE - UNIT_MAGNITUDE, 0);
  const i = ((bucket + 1) << HALF_MAGNITUDE) + (v >>> (bucket + UNIT_MAGNITUDE)) - HALF_COUNT;
  h._counts[i] = (h._counts[i] as number) + 1;
  if (v > h.maxValue) h.maxValue = v + UNIT_MASK;
  if (v < h.minNonZeroValue && v > UNIT_MASK) h.minNonZeroValue = Math.floor(v / LOWEST_ROUNDED) * LOWEST_ROUNDED;
  h._totalCount++;
}

/** Does recordFast give what recordValue gives, on values across the whole range and at every bucket edge? */
function fastIsExact(): boolean {
  try {
    const a = createHistogram();
    const b = createHistogram();
    if (typeof (b as unknown as Internals)._totalCount !== 'number' || !(b as unknown as Internals)._counts) return false;
    const values: number[] = [1, 2, 3, HIGHEST_US, HIGHEST_US - 1];
    for (let p = 1; p < 32; p++) for (const d of [-1, 0, 1]) if (2 ** p + d >= 1 && 2 ** p + d <= HIGHEST_US) values.push(2 ** p + d);
    let x = 12345;
    for (let i = 0; i < 2000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      values.push(1 + Math.floor((x / 2147483648) ** 4 * (HIGHEST_US - 1)));
    }
    for (const v of values) {
      a.recordValue(v);
      recordFast(b as unknown as Internals, v);
      if (a.totalCount !== b.totalCount || a.maxValue !== b.maxValue || a.minNonZeroValue !== b.minNonZeroValue) return false;
    }
    // The whole state recordValue touches, compared field by field (summaries or encodings of histograms this
    // wide would cost a CLI start-up ~100 ms): identical counts, total, min and max are identical histograms.
    const ca = (a as unknown as Internals)._counts;
    const cb = (b as unknown as Internals)._counts;
    if (ca.length !== cb.length) return false;
    for (let i = 0; i < ca.length; i++) if (ca[i] !== cb[i]) return false;
    return true;
  } catch {
    return false;
  }
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * The value at percentile q (0..100) in µs, never above the largest value recorded: HDR reports a
 * percentile as the top of its bucket (up to 0.1% above the value itself), which could put p99.9 above
 * the max of the same run.
 */
export function percentileUs(h: Histogram, q: number): number {
  return Math.min(h.getValueAtPercentile(q), h.maxValue);
}

/** Summary in ms; null when nothing was recorded (never a made-up zero). */
export function summarize(h: Histogram): LatencySummary | null {
  if (h.totalCount === 0) return null;
  const ms = (us: number) => round3(us / 1000);
  return {
    count: h.totalCount,
    min: ms(h.minNonZeroValue),
    mean: ms(h.mean),
    p50: ms(percentileUs(h, 50)),
    p90: ms(percentileUs(h, 90)),
    p99: ms(percentileUs(h, 99)),
    p999: ms(percentileUs(h, 99.9)),
    max: ms(h.maxValue),
  };
}

interface Iterable {
  recordedValuesIterator: { reset(): void; hasNext(): boolean; next(): { valueIteratedTo: number; countAtValueIteratedTo: number } };
  lowestEquivalentValue(v: number): number;
}

/**
 * How many recorded values are at or below `ms` (to the histogram's resolution: a bucket counts when its
 * lowest equivalent value is at or below). O(buckets recorded).
 */
export function countAtOrBelowMs(h: Histogram, ms: number): number {
  const limit = ms * 1000;
  if (h.totalCount === 0) return 0;
  if (h.maxValue <= limit) return h.totalCount;
  const it = (h as unknown as Iterable).recordedValuesIterator;
  const lowest = (v: number) => (h as unknown as Iterable).lowestEquivalentValue(v);
  it.reset();
  let n = 0;
  while (it.hasNext()) {
    const v = it.next();
    if (lowest(v.valueIteratedTo) > limit) break;
    n += v.countAtValueIteratedTo;
  }
  return n;
}

/** A histogram's counts in coarser buckets (bucketCounts). */
export interface BucketCounts {
  /** counts[j]: values above boundsUs[j - 1] and at most boundsUs[j]; the last entry, values above every bound. */
  counts: number[];
  count: number;
  /** The values' sum, each at its HDR bucket's middle (as HDR's own mean), in µs. */
  sumUs: number;
}

/** The public index arithmetic of hdr-histogram-js's JsHistogram (not in its Histogram type). */
interface Indexed {
  countsArrayLength: number;
  countsArrayIndex(value: number): number;
  valueFromIndex(index: number): number;
  highestEquivalentValue(value: number): number;
  medianEquivalentValue(value: number): number;
  getCountAtIndex(index: number): number;
}

const layouts = new WeakMap<readonly number[], { bucketOf: Uint8Array; midUs: Float64Array }>();

/** Which coarse bucket each HDR index falls in (by the highest value it holds, as HDR's percentiles report), computed once per bounds array. */
function layoutOf(boundsUs: readonly number[]): { bucketOf: Uint8Array; midUs: Float64Array } {
  const known = layouts.get(boundsUs);
  if (known) return known;
  if (boundsUs.length > 254) throw new Error('bucketCounts: at most 254 bounds');
  const shape = SHAPE as unknown as Indexed;
  const bucketOf = new Uint8Array(shape.countsArrayLength);
  const midUs = new Float64Array(shape.countsArrayLength);
  let j = 0;
  for (let i = 0; i < shape.countsArrayLength; i++) {
    const v = shape.valueFromIndex(i);
    while (j < boundsUs.length && shape.highestEquivalentValue(v) > (boundsUs[j] as number)) j++;
    bucketOf[i] = j;
    midUs[i] = shape.medianEquivalentValue(v);
  }
  const layout = { bucketOf, midUs };
  layouts.set(boundsUs, layout);
  return layout;
}

/**
 * The counts of `h` in the buckets `boundsUs` (ascending upper bounds, µs). Each HDR bucket goes whole to
 * one coarse bucket, so coarse counts of histograms added equal the sum of their coarse counts exactly.
 * One pass over the HDR counts up to the largest value: for a reader once a second, never per request.
 */
export function bucketCounts(h: Histogram, boundsUs: readonly number[]): BucketCounts {
  const { bucketOf, midUs } = layoutOf(boundsUs);
  const counts = new Array<number>(boundsUs.length + 1).fill(0);
  let sumUs = 0;
  if (h.totalCount > 0) {
    const x = h as unknown as Indexed;
    const last = Math.min(x.countsArrayIndex(h.maxValue), bucketOf.length - 1);
    // The counts array itself where recordFast found it (four times quicker than a method call per index).
    const raw = FAST ? (h as unknown as Internals)._counts : null;
    for (let i = 0; i <= last; i++) {
      const c = raw ? (raw[i] as number) : x.getCountAtIndex(i);
      if (c === 0) continue;
      const j = bucketOf[i] as number;
      counts[j] = (counts[j] as number) + c;
      sumUs += c * (midUs[i] as number);
    }
  }
  return { counts, count: h.totalCount, sumUs };
}

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function decodeHistogram(encoded: string): Histogram {
  return hdr.decodeFromCompressedBase64(encoded, 32, false);
}

// Last, once everything the self-check uses is defined.
const FAST = fastIsExact();
/** Whether recordMs takes the fast path (its self-check passed). */
export const FAST_RECORDING = FAST;
