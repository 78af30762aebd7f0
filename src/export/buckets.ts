/**
 * The one bucket layout every exported histogram uses, whoever exports it (each shard, the mock): bounds
 * 2^(k/2) seconds, each √2 times the previous, from 2^-13 s (122 µs) to 2^12 s (4096 s, above the hour HDR
 * records up to), 51 in all. Coarse on purpose: a few dozen series per histogram, and every shard's buckets
 * add up to the whole run's exactly (each HDR bucket falls whole into one of these: metrics' bucketCounts).
 *
 * They are also the bucket boundaries of Prometheus's native histograms of schema 1, so the native form
 * (nativeBuckets) is the same buckets, not another rounding: the first bucket is the zero bucket, the others
 * native buckets -25..24.
 */

/** Native histograms' schema whose boundaries these are: each power of two split in 2^1 buckets. */
export const NATIVE_SCHEMA = 1;
const LOWEST_INDEX = -26;
const HIGHEST_INDEX = 24;

/** Upper bounds, seconds, ascending (the +Inf bucket follows them). */
export const BUCKET_BOUNDS_S: readonly number[] = Array.from({ length: HIGHEST_INDEX - LOWEST_INDEX + 1 }, (_, i) => 2 ** ((LOWEST_INDEX + i) / 2));
/** The same, µs: what metrics' bucketCounts is given (HDR histograms are in µs). */
export const BUCKET_BOUNDS_US: readonly number[] = BUCKET_BOUNDS_S.map((s) => s * 1e6);

export interface NativeBuckets {
  zeroThreshold: number;
  zeroCount: number;
  /** One span from the first to the last non-empty bucket (native bucket index, length). */
  spans: { offset: number; length: number }[];
  /** Each bucket's count less the previous one's (the first less zero), as native histograms carry them. */
  deltas: number[];
}

/** Counts in this layout (one per bound, then +Inf) as a native histogram of schema 1. */
export function nativeBuckets(counts: readonly number[]): NativeBuckets {
  const [zeroCount = 0, ...rest] = counts;
  // rest[i] is native bucket LOWEST_INDEX + 1 + i; the +Inf entry (always empty below HDR's hour) becomes the next one.
  const first = rest.findIndex((c) => c > 0);
  if (first < 0) return { zeroThreshold: BUCKET_BOUNDS_S[0] as number, zeroCount, spans: [], deltas: [] };
  let last = rest.length - 1;
  while ((rest[last] as number) === 0) last--;
  const deltas: number[] = [];
  let previous = 0;
  for (let i = first; i <= last; i++) {
    const c = rest[i] as number;
    deltas.push(c - previous);
    previous = c;
  }
  return { zeroThreshold: BUCKET_BOUNDS_S[0] as number, zeroCount, spans: [{ offset: LOWEST_INDEX + 1 + first, length: last - first + 1 }], deltas };
}
