/**
 * A timing kept per interval is recorded once, into the second under way, and added into the whole run's
 * histogram as the second closes (intervals.ts fold()). The whole run's histograms must still hold every
 * value, exactly as recording it twice did: across closed seconds, and in a snapshot taken mid-second.
 */
import { describe, expect, it } from 'vitest';
import { createHistogram, decodeHistogram, encodeHistogram, recordMs } from '../../src/metrics/histogram.js';
import { ProfileMetrics } from '../../src/metrics/profile-metrics.js';

describe('whole-run histograms folded from the seconds', () => {
  it('hold every value recorded, closed seconds and the second under way alike, and equal the sum of the intervals', () => {
    let clock = 0;
    const m = new ProfileMetrics(() => clock);
    const latency = createHistogram();
    const sent = createHistogram();
    let x = 11;
    for (let second = 0; second < 3; second++) {
      for (let i = 0; i < 400; i++) {
        x = (x * 48271) % 2147483647;
        const ms = 1 + (x / 2147483647) * 500;
        const lag = (i % 7) * 0.3;
        m.requestStarted(false, lag);
        m.requestEnded(ms, i % 50 === 0 ? 'http_5xx' : null, undefined, lag, 0, clock);
        recordMs(latency, ms);
        recordMs(sent, ms > lag ? ms - lag : 0);
        clock += 1;
      }
      // Two whole seconds close; the third is still under way when the snapshot is taken.
      if (second < 2) m.closeSecond();
    }
    const snap = m.snapshot();
    expect(snap.histograms.latency).toBe(encodeHistogram(latency));
    expect(snap.histograms.latencySent).toBe(encodeHistogram(sent));
    expect(snap.latencyMs!.count).toBe(1200);
    expect(snap.requests.total).toBe(1200);
    const intervals = snap.intervals!.histograms.latency.map((e) => decodeHistogram(e));
    expect(intervals.map((h) => h.totalCount)).toEqual([400, 400, 400]);
    const sum = createHistogram();
    for (const h of intervals) sum.add(h);
    expect(encodeHistogram(sum)).toBe(encodeHistogram(latency));
  });
});
