/**
 * Every count in a report against counts tailgate did not make: the mock's own stats (in its own
 * process), or a raw server written here.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveScenario, runScenario } from '../../../src/runner/index.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

/** A bimodal model (most answer in 10 ms, a few slowly): hedging after 50 ms pays. */
function hedgingScenario(connections: number, rate: number, slow: { slowMs: number; slowPct: number }) {
  return resolveScenario({
    name: 'hedges',
    target: { mock: { faults: { seed: 5, rules: [{ kind: 'latency', dist: 'bimodal', fastMs: 10, ...slow }] } } },
    workload: { kind: 'embed', inputsPerRequest: 2 },
    load: { model: 'open', rate, durationS: 2 },
    warmup: { durationS: 0.5 },
    profiles: [{ name: 'hedged', pool: { connections, maxIdle: connections }, timeouts: { pool: null }, client: { hedgeDelayS: 0.05, hedgeBudgetPct: 0.5 } }],
  });
}

describe('attempts and budgets, counted once, when sent', () => {
  it('hedges are counted and charged when written, not when queued: the report equals the server, warm-up apart', async () => {
    const p = (await runScenario(hedgingScenario(8, 150, { slowMs: 1000, slowPct: 3 }))).profiles[0]!;
    const server = p.server!;
    expect(server.pid).not.toBe(process.pid); // the embedded mock runs in its own process
    expect(p.attempts.total).toBe(server.requests.total);
    expect(p.attempts.primary).toBe(server.requests.byAttemptKind.primary);
    expect(p.attempts.hedge).toBe(server.requests.byAttemptKind.hedge ?? 0);
    expect(p.attempts.hedge).toBeGreaterThan(0);
    // One source: a hedge's token is taken the moment it is written, so tokens issued = hedges sent.
    expect(p.budgets.hedge.issued).toBe(p.attempts.hedge);
    expect(p.budgets.hedge.won).toBeLessThanOrEqual(p.attempts.hedge);
    expect(p.requests.total).toBe(p.attempts.primary);
  });

  it('with a pool of one, a queued hedge never takes the connection its race just freed', async () => {
    // 20 req/s of 10 ms answers (1 in 10 takes 200 ms): one connection keeps up, slow answers hold it.
    const p = (await runScenario(hedgingScenario(1, 20, { slowMs: 200, slowPct: 10 }))).profiles[0]!;
    const server = p.server!;
    expect(p.requests).toMatchObject({ failed: 0, abandoned: 0 });
    expect(p.budgets.hedge.denied).toBe(0);
    // Only one request at a time fits, so every hedge waits for the primary's connection and is dropped
    // unsent when the primary answers: no hedge reaches the server, no healthy socket is aborted.
    expect(server.requests.byAttemptKind.hedge ?? 0).toBe(0);
    expect(p.attempts.hedge).toBe(0);
    expect(p.budgets.hedge.issued).toBe(0);
    // The one connection, opened in the warm-up, served the whole measured run.
    expect(p.connections.closedByClient).toBe(0);
    expect(p.connections.opened).toBe(0);
    expect(server.connections.accepted).toBe(0);
    expect(p.attempts.total).toBe(server.requests.total);
  });
});

describe('nothing vanishes: abandoned requests', () => {
  it('a stopped run accounts for every request: the hung ones are abandoned, counted failed, recorded at their age', async () => {
    const scenario = resolveScenario({
      name: 'hung',
      // One request in ten never gets an answer (an hour of latency).
      target: { mock: { faults: { seed: 2, rules: [{ kind: 'latency', dist: 'fixed', ms: 3_600_000, probability: 0.1 }, { kind: 'latency', dist: 'fixed', ms: 5 }] } } },
      workload: { kind: 'embed', inputsPerRequest: 1 },
      load: { model: 'open', rate: 200, durationS: 30 },
      profiles: [{ name: 'p' }],
    });
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 2_000);
    const t0 = performance.now();
    const report = await runScenario(scenario, { signal: stop.signal, graceMs: 1_000 });
    const p = report.profiles[0]!;
    expect(report.partial).toBe(true);
    expect(performance.now() - t0).toBeLessThan(6_000);
    expect(p.requests.total).toBe(p.requests.ok + p.requests.failed);
    expect(p.requests.total).toBe(p.server!.requests.total);
    expect(p.requests.abandoned).toBeGreaterThan(10);
    expect(p.requestErrors.abandoned).toBe(p.requests.abandoned);
    expect(p.latencyMs!.count).toBe(p.requests.total);
    // Abandoned after a 1 s grace: the tail shows at least that, never less.
    expect(p.latencyMs!.max).toBeGreaterThanOrEqual(1_000);
    expect(p.findings.map((f) => f.id)).toEqual([]); // findings are filled by the CLI (withFindings)
  });

  it('a target that accepts and never answers, with no timeouts: the run ends near its duration, every request abandoned', async () => {
    let received = 0;
    const silent = net.createServer((socket) => {
      socket.on('data', (chunk) => (received += chunk.toString('latin1').split('\r\n\r\n').length - 1));
      socket.on('error', () => {});
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => silent.close(() => r())));
    const port = (silent.address() as net.AddressInfo).port;
    const scenario = resolveScenario({
      name: 'silent',
      target: { url: `http://127.0.0.1:${port}` },
      workload: { kind: 'request', path: '/', method: 'GET' },
      load: { model: 'open', rate: 20, durationS: 2 },
      profiles: [{ name: 'no-timeouts', preset: 'undici', timeouts: { read: null } }],
    });
    const t0 = performance.now();
    const p = (await runScenario(scenario, { graceMs: 1_000 })).profiles[0]!;
    expect(performance.now() - t0).toBeLessThan(6_000);
    // Every request accounted for; how many started late depends on the machine's load, not on this.
    expect(p.requests).toMatchObject({ total: 40, ok: 0, failed: 40, abandoned: 40 });
    expect(received).toBe(40);
    expect(p.attempts.total).toBe(40);
    expect(p.errors.abandoned).toBe(40);
  });
});

describe('open models: exactly R·D requests, rates over the load window', () => {
  it('300 req/s for 3 s sends 900 for every profile, and the rate shown is the offered one; ok over the work is what the server answered', async () => {
    const scenario = resolveScenario({
      name: 'exact',
      target: { mock: { faults: { rules: [{ kind: 'latency', dist: 'fixed', ms: 20 }] } } },
      workload: { kind: 'embed', inputsPerRequest: 1 },
      load: { model: 'open', rate: 300, durationS: 3 },
      profiles: [{ name: 'a' }, { name: 'b', preset: 'httpx' }],
    });
    const report = await runScenario(scenario);
    for (const p of report.profiles) {
      expect(p.requests.total).toBe(900);
      expect(p.server!.requests.total).toBe(900);
      // Over the load window, not the drain: 900 started in ~3 s.
      expect(p.rate.offered).toBeGreaterThan(290);
      expect(p.rate.offered).toBeLessThanOrEqual(301);
      expect(p.rate.achieved).toBeGreaterThan(280);
      expect(p.loadWindowMs).toBeLessThan(p.durationMs + 1);
      // Over the work (first send to last answer, drain included): the answers the server itself sent OK.
      expect(p.work!.ms).toBeGreaterThanOrEqual(p.loadWindowMs);
      expect(p.work!.ms).toBeLessThanOrEqual(p.durationMs);
      expect(Math.abs((p.work!.okPerSecond! * p.work!.ms) / 1000 - p.server!.requests.byStatus['200']!)).toBeLessThan(0.05 * p.work!.ms / 1000 + 0.5);
    }
  });
});
