/**
 * Figures a reader cannot misread: no percentile above the max of the same run; requests and tokens per
 * second over the time the work took (a server that falls behind shows it), beside the load window's,
 * which keep their old meaning; a race's loser counted apart from failures; and the new fields kept
 * through a merge of shards and a --repeat.
 */
import { describe, expect, it } from 'vitest';
import { TailgateError, type AttemptRecord } from '../../src/index.js';
import { addMeasured, concatMeasured, createHistogram, ProfileMetrics, recordMs, summarize } from '../../src/metrics/index.js';

const ATTEMPT: AttemptRecord = {
  kind: 'primary',
  sent: true,
  method: 'POST',
  path: '/v1/chat/completions',
  startedAt: 0,
  queueWaitMs: 0,
  connectMs: null,
  ttfbMs: 5,
  totalMs: 5,
  holdMs: 5,
  status: 200,
  bytesReceived: 0,
  error: null,
  socket: null,
  reusedSocket: true,
  requestsBeforeOnSocket: 1,
  idleBeforeMs: 0,
};

const TIMINGS = { ttftMs: 100, itlMs: [10], tpotMs: 10 };

describe('figures', () => {
  it('no percentile above the max: HDR gives a percentile as the top of its bucket', () => {
    const h = createHistogram();
    for (let i = 0; i < 900; i++) recordMs(h, 10);
    for (let i = 0; i < 100; i++) recordMs(h, 7923.4);
    // The bucket holding 7,923.4 ms reaches above it: unclamped, p99 and p99.9 would read higher than the max.
    expect(h.getValueAtPercentile(99.9) / 1000).toBeGreaterThan(7923.4);
    const s = summarize(h)!;
    expect(s.max).toBe(7923.4);
    for (const v of [s.p50, s.p90, s.p99, s.p999]) expect(v).toBeLessThanOrEqual(s.max);
  });

  /** 40 streams started 100 ms apart (a 3.9 s load window), answered by a server taking `latency(i)` each, 100 tokens apiece. */
  function streams(latency: (i: number) => number) {
    let clock = 0;
    const m = new ProfileMetrics(() => clock);
    m.start();
    const events = Array.from({ length: 40 }, (_, i) => [
      { at: i * 100, start: true, latency: 0 },
      { at: i * 100 + latency(i), start: false, latency: latency(i) },
    ]).flat();
    events.sort((x, y) => x.at - y.at || Number(y.start) - Number(x.start));
    let started = 0;
    for (const e of events) {
      clock = e.at;
      if (e.start) {
        m.requestStarted(false);
        if (++started === 40) m.endLoadWindow();
      } else m.requestEnded(e.latency, null, { tokens: 100, source: 'usage', byDefinition: { tailgate: TIMINGS, vllm: TIMINGS, 'genai-perf': TIMINGS } });
    }
    m.stop();
    return m.snapshot();
  }

  it('rates and tokens/s over the work, first send to last answer; the load window keeps its own', () => {
    const a = streams(() => 1000);
    expect(a.work).toEqual({ ms: 4900, okPerSecond: 8.2, tokensPerSecond: 816.3 });
    // Over the load window (3.9 s) only the 29 answers before the last start counted: what the gate's `rate` reads, unchanged.
    expect(a.rate).toEqual({ offered: 10.3, achieved: 7.4 });
    // The same work from a server falling behind (each answer 100 ms later than the one before): the
    // load window's tokens/s hardly moves, the work's halves.
    const b = streams((i) => 1000 + i * 100);
    expect(b.work!.ms).toBe(8800);
    expect(b.work!.tokensPerSecond).toBeLessThan(0.6 * a.work!.tokensPerSecond!);
    expect(b.tokens!.perSecond).toBe(a.tokens!.perSecond);
  });

  it("a race's loser is counted apart: not a failure of its second", () => {
    let clock = 0;
    const m = new ProfileMetrics(() => clock);
    m.start();
    m.requestStarted(false);
    m.onAttemptEnd({ ...ATTEMPT, kind: 'hedge' });
    m.onAttemptEnd({ ...ATTEMPT, status: null, ttfbMs: null, error: new TailgateError('cancelled', 'another attempt of this request won') });
    m.onAttemptEnd({ ...ATTEMPT, status: 503, error: new TailgateError('http_5xx', 'HTTP 503', { status: 503 }) });
    m.requestEnded(5, null);
    clock = 1000;
    m.stop();
    const s = m.snapshot();
    expect(s.lostRaces).toBe(1);
    expect(s.errors).toEqual({ cancelled: 1, http_5xx: 1 });
    expect(s.timeline.flatMap((r) => Object.keys(r.errorsByCode))).toEqual(['http_5xx']);
  });

  it('the new fields add up across shards and repeats, and are absent when a part lacks them', () => {
    const part = (okPerSecond: number, ms: number) => {
      let clock = 0;
      const m = new ProfileMetrics(() => clock);
      m.start();
      m.requestStarted(false);
      m.onSocketClose({ id: 1, openedAt: 0, connectMs: 1, requestsServed: 1, lastActiveAt: 0, closedBy: 'client', closeReason: 'max-idle', closedAt: 1, protocol: 'h1' });
      m.onAttemptEnd({ ...ATTEMPT, status: null, error: new TailgateError('stale_connection', 'stale'), idleBeforeMs: okPerSecond * 100 });
      clock = ms;
      m.requestEnded(ms, null);
      m.stop();
      return m.snapshot();
    };
    const [a, b] = [part(1, 1000), part(2, 500)];
    const shards = addMeasured([a, b]);
    expect(shards.work).toEqual({ ms: 1000, okPerSecond: 3, tokensPerSecond: null });
    expect(shards.closeReasons).toEqual({ 'max-idle': 2 });
    expect(shards.reuse).toEqual({ answeredMaxMs: null, closedMinMs: 100, resets: 0 });
    const repeats = concatMeasured([a, b]);
    // One after another: two answers in 1.5 s.
    expect(repeats.work).toEqual({ ms: 1500, okPerSecond: 1.3, tokensPerSecond: null });
    const { work: _w, closeReasons: _c, reuse: _s, lostRaces: _l, ...older } = a;
    const mixed = addMeasured([older, b]);
    expect([mixed.work, mixed.closeReasons, mixed.reuse, mixed.lostRaces]).toEqual([undefined, undefined, undefined, undefined]);
  });
});
