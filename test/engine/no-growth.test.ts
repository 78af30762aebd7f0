/**
 * A long run must not grow: no listeners, timers or queued entries per request. 100,000 logical
 * requests through one session, with a concurrency limit that makes requests wait, hedges that race and
 * lose, and retries, against the mock in its own process.
 */
import { getEventListeners } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockProcess, type MockProcess } from '../../mock-server/index.js';
import { PerformanceClient } from '../../src/index.js';
import { watcherCount } from '../../src/util/index.js';

const REQUESTS = 100_000;
const SENDERS = 64;

let mock: MockProcess;
beforeAll(async () => {
  // Mostly instant answers, a few slow ones (hedged), and a few 503s (retried).
  mock = await startMockProcess({
    faults: { seed: 9, rules: [{ kind: 'status', status: 503, probability: 0.01, retryAfterS: 0 }, { kind: 'latency', dist: 'bimodal', fastMs: 0, slowMs: 5, slowPct: 1 }] },
  });
});
afterAll(() => mock.close());

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('no growth per request', () => {
  it.each([
    { mode: 'plain', requests: REQUESTS, hedgeDelayS: null },
    { mode: 'hedged', requests: REQUESTS / 5, hedgeDelayS: 0.002 },
  ])('$mode: $requests requests leave no listeners, timers or waiters behind', async ({ mode, requests, hedgeDelayS }) => {
    const client = new PerformanceClient({ baseUrl: mock.url, config: { pool: { connections: 8 } }, env: {} });
    // 64 senders, 16 permits: most requests wait for the concurrency limit (and some for the pool).
    const session = client.session({ maxConcurrentRequests: 16, hedgeDelayS, hedgeBudgetPct: 0.05, maxRetries: 1, initialBackoffMs: 0, retryBudgetPct: 0.05 });
    const request = { method: 'POST' as const, path: '/v1/embeddings', body: '{"input":"x"}', discardBody: true };
    const samples: { done: number; listeners: number; watchers: number; timers: number; waiting: number }[] = [];
    let done = 0;
    let failed = 0;
    const checkpoints = new Set([requests / 10, requests / 2, requests - SENDERS]);
    const baseTimers = timers();
    await Promise.all(
      Array.from({ length: SENDERS }, async () => {
        while (done < requests) {
          done++;
          await session.send(request).catch(() => failed++);
          if (checkpoints.has(done)) {
            samples.push({ done, listeners: getEventListeners(session.signal, 'abort').length, watchers: watcherCount(session.signal), timers: timers() - baseTimers, waiting: client.engine.waitingForConnection });
          }
        }
      }),
    );
    session.close();
    const stats = client.stats();
    await client.close();
    // The run exercised what could leak: hedges, retries, waits for the concurrency limit and the pool.
    if (mode === 'hedged') expect(stats.hedge).toBeGreaterThan(20);
    // Hedged, most 503s are outrun by their hedge, so retries are few (5 to 11 of 20,000 seen here, fewer
    // on a loaded machine, where more hedges fire): retries are exercised at all there, in bulk in 'plain' (about 1%).
    expect(stats.retry).toBeGreaterThan(mode === 'hedged' ? 0 : 100);
    expect(failed).toBeLessThan(requests * 0.01);
    expect(samples).toHaveLength(3);
    for (const s of samples) {
      // One listener for the session (signal-watch's), at most one waiter per request in flight.
      expect(s.listeners).toBeLessThanOrEqual(1);
      expect(s.watchers).toBeLessThanOrEqual(SENDERS * 2);
      expect(s.timers).toBeLessThanOrEqual(SENDERS * 2);
      expect(s.waiting).toBeLessThanOrEqual(SENDERS * 2);
    }
    // Nothing is left ticking once the client is closed (undici's own timer wheel aside).
    await new Promise((r) => setTimeout(r, 100));
    expect(timers()).toBeLessThanOrEqual(baseTimers + 1);
  }, 120_000);
});
