import { afterEach, describe, expect, it } from 'vitest';
import { resolveScenario, runScenario } from '../../../src/runner/index.js';
import { startStallableMock } from '../../helpers/mock-process.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

describe('runner accuracy, with the mock as the truth', () => {
  it('a fixed 50 ms latency reads back as p50 within a few ms, never below it', async () => {
    // The mock in its own process, as a real server would be: it does not share the client's event loop.
    const mock = await startStallableMock({ rules: [{ kind: 'latency', dist: 'fixed', ms: 50 }] });
    closers.push(() => mock.close());
    const scenario = resolveScenario({
      name: 'fixed',
      target: { url: mock.url },
      workload: { kind: 'embed', inputsPerRequest: 2 },
      // One user: what is measured is the server's 50 ms plus the client's own ~1 ms, and nothing queued.
      load: { model: 'closed', users: 1, requests: 80 },
      profiles: [{ name: 'p', preset: 'undici' }],
    });
    const report = await runScenario(scenario);
    const p = report.profiles[0]!;
    expect(p.requests).toMatchObject({ total: 80, ok: 80, failed: 0 });
    // Never less than the server held each request; above it by the client's own ~1 ms, with room for a
    // loaded machine (its event-loop delay included).
    expect(p.latencyMs!.p50).toBeGreaterThanOrEqual(49.9);
    expect(p.latencyMs!.p50 - 50).toBeLessThanOrEqual(3 + (p.eventLoop?.p99Ms ?? 0));
  });

  it('no coordinated omission: requests held back while the server stalls count from when they were due', async () => {
    const mock = await startStallableMock({ rules: [{ kind: 'latency', dist: 'fixed', ms: 5 }] });
    closers.push(() => mock.close());
    const scenario = resolveScenario({
      name: 'stall',
      target: { url: mock.url },
      workload: { kind: 'embed', inputsPerRequest: 2 },
      // At most 4 in flight: while the server is stopped, the 4 sent wait on it and every request due in
      // that second is held back by the generator. Measured from when each was actually sent, only those
      // 4 (0.4%) would look slow and the p99 would hide the stall; measured from when each was due, the
      // ~300 held back show it.
      load: { model: 'open', rate: 300, durationS: 3, maxInFlight: 4 },
      profiles: [{ name: 'p', pool: { connections: 4 } }],
    });
    const run = runScenario(scenario);
    await new Promise((r) => setTimeout(r, 1_000));
    await mock.stall(1_000);
    const p = (await run).profiles[0]!;
    expect(p.requests.total).toBe(900);
    expect(p.requests.failed).toBe(0);
    expect(p.requests.late).toBeGreaterThan(200);
    expect(p.latencyMs!.p99).toBeGreaterThanOrEqual(900);
    expect(p.latencyMs!.p90).toBeGreaterThanOrEqual(300);
  });

  it('reported attempts, statuses and connections equal the mock’s own counts exactly', async () => {
    const scenario = resolveScenario({
      name: 'counts',
      target: { mock: { faults: { seed: 3, rules: [{ kind: 'status', status: 503, probability: 0.2, retryAfterS: 0 }, { kind: 'latency', dist: 'uniform', minMs: 2, maxMs: 20 }] } } },
      workload: { kind: 'embed', inputsPerRequest: 2 },
      load: { model: 'open', rate: 150, durationS: 2 },
      warmup: { requests: 30 },
      profiles: [
        { name: 'retrying', retry: { maxRetries: 3, initialBackoffMs: 1, maxBackoffMs: 5 }, client: { retryBudgetPct: 1 } },
        { name: 'plain', pool: { mode: 'per-request' } },
      ],
    });
    const report = await runScenario(scenario);
    for (const p of report.profiles) {
      const server = p.server!;
      expect(p.attempts.total).toBe(server.requests.total);
      expect(p.statuses).toEqual(server.requests.byStatus);
      expect(p.attempts.primary).toBe(server.requests.byAttemptKind.primary);
      expect(p.attempts.retry).toBe(server.requests.byAttemptKind.retry ?? 0);
      expect(p.warmup?.requests).toBe(30);
    }
    const [retrying, plain] = report.profiles;
    expect(retrying!.attempts.retry).toBeGreaterThan(0);
    expect(retrying!.requests.failed).toBeLessThan(plain!.requests.failed);
    // per-request: a connection for every attempt, and the server saw each of them.
    expect(plain!.connections.opened).toBe(plain!.attempts.total);
    expect(plain!.server!.connections.accepted).toBe(plain!.attempts.total);
  });
});
