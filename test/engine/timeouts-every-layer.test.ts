/**
 * All six timeouts, each enforced in each layer that sends requests: the Engine (one attempt), the
 * PerformanceClient (a call) and the runner (a scenario), each against a raw server that produces
 * exactly the condition the timeout guards against.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Engine, PerformanceClient, type ClientConfigInput, type TailgateError } from '../../src/index.js';
import { resolveScenario, runScenario } from '../../src/runner/index.js';
import { expectFiredAt } from '../helpers/expect-failure.js';
import {
  startChunkedServer,
  startFullBacklogListener,
  startNonReadingServer,
  startSilentServer,
  startStatusServer,
  type Running,
} from '../helpers/faulty-servers.js';

const LIMIT_MS = 300;
const BIG_BODY = 'x'.repeat(16 * 1024 * 1024);

interface Case {
  code: string;
  server: () => Promise<Running>;
  /** The runner checks that its target is reachable before sending (one connect) when it differs. */
  runnerServer?: () => Promise<Running>;
  config: ClientConfigInput;
  /** Requests sent at once (the pool timeout needs a second one to wait). */
  concurrent: number;
  body?: string;
}

const CASES: Case[] = [
  { code: 'connect_timeout', server: () => startFullBacklogListener(), runnerServer: () => startFullBacklogListener(1), config: { timeouts: { connect: LIMIT_MS } }, concurrent: 1 },
  { code: 'write_timeout', server: startNonReadingServer, config: { timeouts: { write: LIMIT_MS } }, concurrent: 1, body: BIG_BODY },
  { code: 'read_timeout', server: startSilentServer, config: { timeouts: { read: LIMIT_MS } }, concurrent: 1 },
  { code: 'pool_timeout', server: () => startStatusServer(200, 1_500), config: { pool: { connections: 1 }, timeouts: { pool: LIMIT_MS } }, concurrent: 2 },
  // A body that keeps trickling refreshes the read timeout; only the attempt timeout bounds it.
  { code: 'attempt_timeout', server: () => startChunkedServer(30, 100), config: { timeouts: { attempt: LIMIT_MS } }, concurrent: 1 },
  { code: 'total_timeout', server: () => startStatusServer(200, 1_500), config: { timeouts: { total: LIMIT_MS } }, concurrent: 1 },
];

let server: Running | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The failures of `concurrent` requests sent at once, each with how long it took. */
async function failures(send: () => Promise<unknown>, concurrent: number): Promise<{ code: string; ms: number }[]> {
  const t0 = performance.now();
  const settled = await Promise.allSettled(
    Array.from({ length: concurrent }, () =>
      send().then(
        () => null,
        (err: TailgateError) => ({ code: err.code, ms: performance.now() - t0 }),
      ),
    ),
  );
  return settled.flatMap((s) => (s.status === 'fulfilled' && s.value ? [s.value] : []));
}

describe('every timeout in every layer', () => {
  for (const c of CASES) {
    it(`${c.code}: the Engine`, async () => {
      server = await c.server();
      const engine = new Engine(server.url, c.config, { env: {} });
      try {
        const failed = await failures(() => engine.attempt({ method: 'POST', path: '/', body: c.body ?? '{}' }), c.concurrent);
        expect(failed.map((f) => f.code)).toEqual([c.code]);
        expectFiredAt(failed[0]!.ms, LIMIT_MS);
      } finally {
        await engine.close();
      }
    });

    it(`${c.code}: the PerformanceClient`, async () => {
      server = await c.server();
      const client = new PerformanceClient({ baseUrl: server.url, config: c.config, env: {} });
      try {
        // batchPost encodes its payloads as JSON before the write (and its timer) starts: with the 16 MB body
        // a busy core takes hundreds of ms over it, which is before the timeout's clock, not lateness in it.
        const encodeStarted = performance.now();
        JSON.stringify([c.body ?? {}]);
        const encodeMs = performance.now() - encodeStarted;
        const failed = await failures(() => client.batchPost('/', [c.body ?? {}], { preference: { maxRetries: 0 } }), c.concurrent);
        expect(failed.map((f) => f.code)).toEqual([c.code]);
        expectFiredAt(failed[0]!.ms, LIMIT_MS, 400 + 2 * encodeMs);
      } finally {
        await client.close();
      }
    });

    it(`${c.code}: the runner`, async () => {
      server = await (c.runnerServer ?? c.server)();
      const scenario = resolveScenario({
        name: 'timeouts',
        target: { url: server.url },
        workload: { kind: 'request', path: '/', method: 'POST', body: c.body ?? {} },
        load: { model: 'closed', users: c.concurrent, requests: c.concurrent },
        profiles: [{ name: 'p', ...c.config }],
      });
      const t0 = performance.now();
      const p = (await runScenario(scenario, { graceMs: 3_000 })).profiles[0]!;
      expect(p.requestErrors).toEqual({ [c.code]: 1 });
      expect(p.requests).toMatchObject({ total: c.concurrent, failed: 1, abandoned: 0 });
      // The failed request's latency is the timeout, as the client saw it.
      expectFiredAt(c.concurrent === 1 ? p.latencyMs!.max : p.latencyMs!.min, LIMIT_MS);
      expect(performance.now() - t0).toBeLessThan(5_000);
    });
  }
});
