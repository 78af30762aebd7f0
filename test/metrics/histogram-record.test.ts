/**
 * recordMs takes a fast path (the bucket found with integer bit operations instead of Math.log2 and
 * Math.pow): it must give histograms identical to hdr-histogram-js's own recordValue, or not be used.
 */
import { describe, expect, it } from 'vitest';
import { createHistogram, encodeHistogram, FAST_RECORDING, recordMs, summarize } from '../../src/metrics/histogram.js';

describe('recordMs', () => {
  it('takes the fast path with this hdr-histogram-js', () => {
    expect(FAST_RECORDING).toBe(true);
  });

  it('records exactly what recordValue records, clamps included', () => {
    const fast = createHistogram();
    const slow = createHistogram();
    let x = 7;
    const ms: number[] = [0, -1, 0.0004, 0.0005, 0.001, 1, 1.0235, 2.047, 2.048, 2.049, 3_600_000, 3_600_001, 1e12];
    for (let i = 0; i < 20_000; i++) {
      x = (x * 48271) % 2147483647;
      ms.push((x / 2147483647) ** 6 * 4_000_000);
    }
    for (const m of ms) {
      recordMs(fast, m);
      const us = Math.round(m * 1000);
      slow.recordValue(us < 1 ? 1 : us > 3_600_000_000 ? 3_600_000_000 : us);
    }
    expect(encodeHistogram(fast)).toBe(encodeHistogram(slow));
    expect(summarize(fast)).toEqual(summarize(slow));
    expect([fast.totalCount, fast.maxValue, fast.minNonZeroValue]).toEqual([slow.totalCount, slow.maxValue, slow.minNonZeroValue]);
    // After a reset (the per-second and per-interval histograms are reused), still the same.
    fast.reset();
    slow.reset();
    for (const m of ms.slice(0, 500)) {
      recordMs(fast, m);
      const us = Math.round(m * 1000);
      slow.recordValue(us < 1 ? 1 : us > 3_600_000_000 ? 3_600_000_000 : us);
    }
    expect(encodeHistogram(fast)).toBe(encodeHistogram(slow));
  });
});
