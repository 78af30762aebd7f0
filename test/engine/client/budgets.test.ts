import { afterEach, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer } from '../../../mock-server/index.js';
import { Budget, PerformanceClient } from '../../../src/index.js';

describe('budget', () => {
  it('earns pct per primary over a sliding window plus a floor, and never goes below zero', () => {
    let now = 0;
    const budget = new Budget({ pct: 0.1, floor: 2, windowMs: 10_000, now: () => now });
    for (let i = 0; i < 30; i++) budget.earn();
    let taken = 0;
    while (budget.tryTake()) taken++;
    expect(taken).toBe(5); // floor 2 + 30 x 0.1
    expect(budget.tryTake()).toBe(false);
    expect(budget.balance()).toBeGreaterThanOrEqual(0);
    // The window slides: earnings and spending older than 10 s no longer count; the floor is back.
    now = 11_000;
    expect(budget.balance()).toBeCloseTo(2, 6);
    expect(budget.tryTake()).toBe(true);
  });
});

describe('hedging and retries under budgets, checked against the mock’s own counts', () => {
  let mock: MockServer | undefined;
  let client: PerformanceClient | undefined;
  afterEach(async () => {
    await client?.close();
    await mock?.close();
  });

  it('a server slower than hedgeDelay gets exactly the budgeted number of hedges, and attempts add up', async () => {
    mock = await startMockServer({ faults: { rules: [{ kind: 'latency', dist: 'fixed', ms: 300 }] } });
    client = new PerformanceClient({ baseUrl: mock.url, budgetFloor: 2, env: {}, config: { pool: { connections: 256 } } });
    const payloads = Array.from({ length: 100 }, (_, i) => ({ input: `x${i}` }));
    const res = await client.batchPost('/v1/embeddings', payloads, { preference: { hedgeDelayS: 0.05, hedgeBudgetPct: 0.1, maxConcurrentRequests: 1024 } });
    expect(res.data).toHaveLength(100);
    const stats = client.stats();
    expect(stats.primary).toBe(100);
    expect(stats.hedge).toBe(12); // floor 2 + 10% of 100
    expect(stats.hedgeDenied).toBe(88);
    const server = mock.stats();
    expect(server.requests.byAttemptKind).toEqual({ primary: 100, hedge: 12 });
    expect(server.requests.total).toBe(stats.primary + stats.hedge + stats.retry);
  });

  it('once a budget is spent no further hedge or retry is sent', async () => {
    mock = await startMockServer({ faults: { rules: [{ kind: 'latency', dist: 'fixed', ms: 150 }] } });
    client = new PerformanceClient({ baseUrl: mock.url, budgetFloor: 2, env: {} });
    // No budget earns anything here (pct 0), so each holds just its floor of 2 across all three calls.
    const hedged = { hedgeDelayS: 0.02, hedgeBudgetPct: 0, retryBudgetPct: 0 };
    await client.batchPost('/v1/embeddings', Array.from({ length: 10 }, () => ({ input: 'a' })), { preference: hedged });
    await client.batchPost('/v1/embeddings', Array.from({ length: 10 }, () => ({ input: 'a' })), { preference: hedged });
    expect(client.stats().hedge).toBe(2);
    expect(mock.stats().requests.byAttemptKind.hedge).toBe(2);

    mock.setFaults({ rules: [{ kind: 'status', status: 503 }] });
    mock.reset();
    const res = await client.batchPost('/v1/embeddings', Array.from({ length: 10 }, () => ({ input: 'a' })), {
      preference: { retryBudgetPct: 0, maxRetries: 5, initialBackoffMs: 1, maxBackoffMs: 5, partialFailure: 'return' },
    });
    expect(res.errors).toHaveLength(10);
    expect(res.errors.every((e) => e.error.status === 503)).toBe(true);
    expect(client.stats().retry).toBe(2);
    expect(mock.stats().requests.byAttemptKind).toEqual({ primary: 10, retry: 2 });
  });

  it('1000 concurrent calls on one client never exceed the shared hedge budget', async () => {
    mock = await startMockServer({ faults: { rules: [{ kind: 'latency', dist: 'fixed', ms: 250 }] } });
    client = new PerformanceClient({ baseUrl: mock.url, budgetFloor: 2, env: {}, config: { httpVersion: 2, pool: { pipelining: 1000, connections: 4 } } });
    const calls = Array.from({ length: 1000 }, (_, i) =>
      client!.batchPost('/v1/embeddings', [{ input: `c${i}` }], { preference: { hedgeDelayS: 0.03, hedgeBudgetPct: 0.1 } }),
    );
    await Promise.all(calls);
    const stats = client.stats();
    expect(stats.primary).toBe(1000);
    expect(stats.hedge).toBeLessThanOrEqual(2 + 100);
    expect(stats.hedge).toBeGreaterThan(0);
    expect(mock.stats().requests.byAttemptKind.hedge).toBe(stats.hedge);
    expect(mock.stats().requests.total).toBe(stats.primary + stats.hedge);
  });

  it('a server faster than hedgeDelay gets no hedge', async () => {
    mock = await startMockServer({ faults: { rules: [{ kind: 'latency', dist: 'fixed', ms: 5 }] } });
    client = new PerformanceClient({ baseUrl: mock.url, env: {} });
    await client.batchPost('/v1/embeddings', Array.from({ length: 50 }, () => ({ input: 'a' })), { preference: { hedgeDelayS: 0.3 } });
    expect(client.stats().hedge).toBe(0);
    expect(mock.stats().requests.byAttemptKind).toEqual({ primary: 50 });
  });
});

describe('budgets across calls', () => {
  it('a call with another percentage changes what primaries earn from now on, and keeps what was earned', () => {
    let now = 0;
    const budget = new Budget({ pct: 0.5, floor: 0, windowMs: 10_000, now: () => now });
    for (let i = 0; i < 4; i++) budget.earn();
    budget.pct = 0;
    for (let i = 0; i < 4; i++) budget.earn();
    expect(budget.balance()).toBeCloseTo(2, 6);
  });
});
