import { afterEach, describe, expect, it } from 'vitest';
import { latencyQuantile, latencySampler, seededRandom, type LatencySpec } from '../../mock-server/index.js';
import type { AttemptRecord } from '../../src/index.js';
import { json, mockAndEngine } from '../helpers/mock.js';

const EMBED = { method: 'POST' as const, path: '/v1/embeddings', body: json({ input: ['a'] }) };

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

describe('mock latency', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => close?.());

  it.each<LatencySpec>([
    { dist: 'uniform', minMs: 10, maxMs: 30 },
    { dist: 'normal', meanMs: 50, stddevMs: 5 },
    { dist: 'lognormal', medianMs: 40, p99Ms: 400 },
    { dist: 'pareto', minMs: 10, alpha: 2.5 },
    { dist: 'bimodal', fastMs: 5, slowMs: 500, slowPct: 5 },
  ])('the %o sampler matches its configured percentiles (p50, p99 within 5%)', (spec) => {
    const sample = latencySampler(spec, seededRandom(7));
    const xs = Array.from({ length: 200_000 }, sample).sort((a, b) => a - b);
    for (const q of [0.5, 0.99]) {
      const want = latencyQuantile(spec, q);
      expect(Math.abs(quantile(xs, q) - want) / want).toBeLessThan(0.05);
    }
  });

  it('a fixed latency is what the client observes', async () => {
    const records: AttemptRecord[] = [];
    const s = await mockAndEngine({ faults: { rules: [{ kind: 'latency', dist: 'fixed', ms: 80 }] } }, {}, { observer: { onAttemptEnd: (a) => records.push(a) } });
    close = s.close;
    for (let i = 0; i < 5; i++) await s.engine.attempt(EMBED);
    for (const r of records) {
      expect(r.ttfbMs).toBeGreaterThanOrEqual(79);
      expect(r.ttfbMs).toBeLessThan(80 + 200);
    }
    expect(s.mock.stats().faults.latency).toBe(5);
  });

  it('with N workers, requests beyond N queue and wait their turn, as on a saturated server', async () => {
    const records: AttemptRecord[] = [];
    const s = await mockAndEngine(
      { faults: { workers: 2, rules: [{ kind: 'latency', dist: 'fixed', ms: 150 }] } },
      { pool: { connections: 6 } },
      { observer: { onAttemptEnd: (a) => records.push(a) } },
    );
    close = s.close;
    await Promise.all(Array.from({ length: 6 }, () => s.engine.attempt(EMBED)));
    const ttfb = records.map((r) => r.ttfbMs as number).sort((a, b) => a - b);
    // Three waves of two: ~150, ~300, ~450 ms.
    expect(ttfb[1]).toBeLessThan(290);
    expect(ttfb[2]).toBeGreaterThanOrEqual(295);
    expect(ttfb[5]).toBeGreaterThanOrEqual(445);
  });
});
