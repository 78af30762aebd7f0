/**
 * The shared bucket layout: HDR histograms in coarse buckets add across shards exactly, each value lands
 * where HDR's own arithmetic puts it, and the native-histogram form is the same buckets. No network.
 */
import { describe, expect, it } from 'vitest';
import { bucketCounts, createHistogram, recordMs, type Histogram } from '../../src/metrics/index.js';
import { BUCKET_BOUNDS_S, BUCKET_BOUNDS_US, NATIVE_SCHEMA, nativeBuckets, prometheusText, type Family } from '../../src/export/index.js';

/** Values (ms) spread over the whole layout, and on both sides of every bound, where a bucket edge could slip. */
function values(seed: number, n: number): number[] {
  let x = seed;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out.push(0.05 + (x / 2147483648) ** 6 * 600_000);
  }
  for (const us of BUCKET_BOUNDS_US) for (const d of [-2, -1, 0, 1, 2, us * 0.0005, -us * 0.0005]) if (us + d >= 1 && us + d < 3.6e9) out.push((us + d) / 1000);
  return out;
}

function histogramOf(ms: number[]): Histogram {
  const h = createHistogram();
  for (const v of ms) recordMs(h, v);
  return h;
}

interface HdrArithmetic {
  highestEquivalentValue(v: number): number;
}

describe('the shared bucket layout', () => {
  it('a few dozen log-scale buckets, each √2 times the one before, from 122 µs past HDR’s hour', () => {
    expect(BUCKET_BOUNDS_S.length).toBeGreaterThanOrEqual(24);
    expect(BUCKET_BOUNDS_S.length).toBeLessThanOrEqual(60);
    for (let i = 1; i < BUCKET_BOUNDS_S.length; i++) expect((BUCKET_BOUNDS_S[i] as number) / (BUCKET_BOUNDS_S[i - 1] as number)).toBeCloseTo(Math.SQRT2, 12);
    expect(BUCKET_BOUNDS_S[0]).toBeCloseTo(122e-6, 6);
    expect(BUCKET_BOUNDS_S.at(-1)).toBeGreaterThan(3600);
  });

  it('each value lands in the bucket HDR’s own arithmetic puts it in; the +Inf bucket stays empty', () => {
    const raw = values(7, 5000);
    const h = histogramOf(raw);
    const b = bucketCounts(h, BUCKET_BOUNDS_US);
    const hdr = h as unknown as HdrArithmetic;
    // By the raw values: a value goes to the first bound its HDR bucket's highest value is within.
    const expected = new Array<number>(BUCKET_BOUNDS_US.length + 1).fill(0);
    for (const ms of raw) {
      const top = hdr.highestEquivalentValue(Math.max(1, Math.round(ms * 1000)));
      const j = BUCKET_BOUNDS_US.findIndex((bound) => top <= bound);
      const at = j < 0 ? BUCKET_BOUNDS_US.length : j;
      expected[at] = (expected[at] as number) + 1;
    }
    expect(b.counts).toEqual(expected);
    expect(b.count).toBe(raw.length);
    expect(b.counts.at(-1)).toBe(0);
    expect(b.sumUs / 1000 / raw.length).toBeCloseTo(raw.reduce((a, v) => a + v, 0) / raw.length, -1);
  });

  it('shards’ buckets add up to the buckets of their histograms added: exactly', () => {
    const shards = [values(1, 3000), values(2, 3000), values(3, 10)].map(histogramOf);
    const merged = createHistogram();
    for (const s of shards) merged.add(s);
    const parts = shards.map((s) => bucketCounts(s, BUCKET_BOUNDS_US));
    const whole = bucketCounts(merged, BUCKET_BOUNDS_US);
    expect(whole.counts).toEqual(parts.reduce((acc, p) => acc.map((c, i) => c + (p.counts[i] as number)), new Array<number>(whole.counts.length).fill(0)));
    expect(whole.count).toBe(parts.reduce((a, p) => a + p.count, 0));
    expect(whole.sumUs).toBeCloseTo(parts.reduce((a, p) => a + p.sumUs, 0), 0);
  });

  it('as a native histogram of schema 1: the zero bucket is the first bucket, native bucket k ends at 2^(k/2) s', () => {
    const counts = bucketCounts(histogramOf(values(5, 2000)), BUCKET_BOUNDS_US).counts;
    const n = nativeBuckets(counts);
    expect(NATIVE_SCHEMA).toBe(1);
    expect(n.zeroThreshold).toBe(BUCKET_BOUNDS_S[0]);
    expect(n.zeroCount).toBe(counts[0]);
    // Rebuild each native bucket's count and upper bound from the spans and deltas, as Prometheus reads them.
    const rebuilt = new Map<number, number>();
    let index = 0;
    let count = 0;
    let d = 0;
    for (const [i, span] of n.spans.entries()) {
      index = i === 0 ? span.offset : index + span.offset;
      for (let k = 0; k < span.length; k++, index++) {
        count += n.deltas[d++] as number;
        rebuilt.set(index, count);
      }
    }
    for (let j = 1; j < BUCKET_BOUNDS_S.length; j++) {
      const bound = BUCKET_BOUNDS_S[j] as number;
      const k = Math.round(2 * Math.log2(bound));
      expect(2 ** (k / 2)).toBeCloseTo(bound, 12);
      expect(rebuilt.get(k) ?? 0).toBe(counts[j]);
    }
    expect(nativeBuckets(new Array<number>(counts.length).fill(0))).toMatchObject({ zeroCount: 0, spans: [], deltas: [] });
  });

  it('the scrape text escapes label values and help text; buckets are cumulative to +Inf = count', () => {
    const family: Family = {
      otelName: 'tailgate.request.latency',
      unit: 's',
      help: 'a\\b\nc',
      kind: 'histogram',
      points: [{ labels: { profile: 'say "hi"\\\n</script>' }, counts: [1, 0, 2, ...new Array<number>(BUCKET_BOUNDS_S.length - 2).fill(0)], count: 3, sum: 0.5 }],
    };
    const text = prometheusText([family]);
    expect(text).toContain('# HELP tailgate_request_latency_seconds a\\\\b\\nc\n');
    expect(text).toContain('# TYPE tailgate_request_latency_seconds histogram\n');
    expect(text).toContain(`tailgate_request_latency_seconds_bucket{profile="say \\"hi\\"\\\\\\n</script>",le="${BUCKET_BOUNDS_S[0]}"} 1\n`);
    expect(text).toContain(`tailgate_request_latency_seconds_bucket{profile="say \\"hi\\"\\\\\\n</script>",le="+Inf"} 3\n`);
    expect(text).toContain('tailgate_request_latency_seconds_count{profile="say \\"hi\\"\\\\\\n</script>"} 3\n');
    expect(text.split('\n').filter((l) => l.includes('_bucket')).map((l) => Number(l.split(' ').at(-1)))).toEqual([1, 1, ...new Array<number>(BUCKET_BOUNDS_S.length - 1).fill(3)]);
  });
});
