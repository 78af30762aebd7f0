/**
 * npm run figures:accounting — the figures of issue #10 ("every number in a report is true"), each
 * against a count tailgate did not make (the mock's own stats, a raw server written here). Prints one
 * line per figure: what tailgate reported, and what the server saw.
 */
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { startMockProcess } from '../mock-server/index.js';
import { Engine, PerformanceClient, type AttemptRecord } from '../src/index.js';
import { connectionsNeeded, withFindings } from '../src/report/index.js';
import { loadScenario, resolveScenario, runScenario } from '../src/runner/index.js';

const out = (name: string, figure: unknown) => console.log(`${name.padEnd(34)} ${JSON.stringify(figure)}`);

async function listen(server: net.Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

// 1-2. Hedges, pool of 8 and of 1.
for (const connections of [8, 1]) {
  const p = (
    await runScenario(
      resolveScenario({
        name: 'hedges',
        target: { mock: { faults: { seed: 1, rules: [{ kind: 'latency', dist: 'lognormal', medianMs: 40, p99Ms: 400 }] } } },
        workload: { kind: 'embed', inputsPerRequest: 2 },
        load: { model: 'open', rate: 150, durationS: 4 },
        warmup: { durationS: 1 },
        profiles: [{ name: 'h', pool: { connections, maxIdle: connections }, timeouts: { pool: null }, client: { hedgeDelayS: 0.05, hedgeBudgetPct: 0.5 } }],
      }),
    )
  ).profiles[0]!;
  out(`hedges, pool of ${connections}`, {
    report: { attempts: p.attempts.total, hedges: p.attempts.hedge, budgetIssued: p.budgets.hedge.issued, closedByClient: p.connections.closedByClient },
    server: { requests: p.server!.requests.total, hedges: p.server!.requests.byAttemptKind.hedge ?? 0, accepted: p.server!.connections.accepted },
  });
}

// 3. Ctrl+C with 10% of requests hung, 1 s grace.
{
  const stop = new AbortController();
  setTimeout(() => stop.abort(), 3_000);
  const p = (
    await runScenario(
      resolveScenario({
        name: 'hung',
        target: { mock: { faults: { seed: 2, rules: [{ kind: 'latency', dist: 'fixed', ms: 3_600_000, probability: 0.1 }, { kind: 'latency', dist: 'fixed', ms: 5 }] } } },
        workload: { kind: 'embed', inputsPerRequest: 1 },
        load: { model: 'open', rate: 200, durationS: 30 },
        profiles: [{ name: 'p' }],
      }),
      { signal: stop.signal, graceMs: 1_000 },
    )
  ).profiles[0]!;
  out('Ctrl+C, 10% hung, 1 s grace', { report: p.requests, server: p.server!.requests.total });
}

// 4. A target that accepts and never answers, no read/attempt timeout, 2 s of load.
{
  let received = 0;
  const silent = net.createServer((s) => {
    s.on('data', (c) => (received += c.toString('latin1').split('\r\n\r\n').length - 1));
    s.on('error', () => {});
  });
  const url = await listen(silent);
  const t0 = performance.now();
  const p = (
    await runScenario(
      resolveScenario({ name: 'silent', target: { url }, workload: { kind: 'request', path: '/', method: 'GET' }, load: { model: 'open', rate: 20, durationS: 2 }, profiles: [{ name: 'p', preset: 'undici', timeouts: { read: null } }] }),
    )
  ).profiles[0]!;
  out('never-answering target, 2 s', { seconds: Math.round((performance.now() - t0) / 100) / 10, report: p.requests, findings: withFindings({ profiles: [p] } as never).profiles[0]!.findings.map((f) => f.id), server: received });
  silent.close();
}

// 5. timeouts.total 200 ms against a 1 s server.
{
  const slow = http.createServer((_q, s) => setTimeout(() => s.end('{}'), 1_000));
  const url = await listen(slow);
  const engine = new Engine(url, { timeouts: { total: 200 } }, { env: {} });
  const t0 = performance.now();
  const outcome = await engine.attempt({ method: 'GET', path: '/' }).then((r) => `HTTP ${r.status}`, (e: { code: string }) => e.code);
  out('timeouts.total 200 ms, 1 s server', { outcome, ms: Math.round(performance.now() - t0) });
  await engine.close();
  slow.close();
}

// 6. A reset 300 ms after the server read a POST on a reused socket.
{
  let read = 0;
  const srv = net.createServer((socket) => {
    let served = 0;
    socket.on('data', () => {
      read++;
      if (served++ === 0) socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\n{}');
      else setTimeout(() => socket.resetAndDestroy(), 300);
    });
    socket.on('error', () => {});
  });
  const url = await listen(srv);
  const client = new PerformanceClient({ baseUrl: url, env: {} });
  await client.batchPost('/', [{}]);
  const r = await client.batchPost('/', [{}], { preference: { maxRetries: 3, initialBackoffMs: 1, partialFailure: 'return' } });
  out('reset 300 ms after a POST was read', { code: r.errors[0]?.error.code, serverRead: read });
  await client.close();
  srv.close();
}

// 7. The mock killed mid-run: what the requests it had read are called.
{
  const mock = await startMockProcess({ faults: {} });
  const engine = new Engine(mock.url, { pool: { connections: 10 } }, { env: {} });
  await Promise.all(Array.from({ length: 10 }, () => engine.attempt({ method: 'POST', path: '/v1/embeddings', body: '{"input":"w"}' })));
  await mock.setFaults({ rules: [{ kind: 'latency', dist: 'fixed', ms: 2_000 }] });
  const codes = Array.from({ length: 10 }, () => engine.attempt({ method: 'POST', path: '/v1/embeddings', body: '{"input":"x"}' }).then(() => 'ok', (e: { code: string }) => e.code));
  await new Promise((r) => setTimeout(r, 300));
  const inFlight = (await mock.stats()).requests.inFlight;
  process.kill(mock.pid, 'SIGKILL');
  const counted: Record<string, number> = {};
  for (const c of await Promise.all(codes)) counted[c] = (counted[c] ?? 0) + 1;
  out('mock killed, requests it had read', { serverHadRead: inFlight, codes: counted });
  await engine.close();
}

// 8. Open model: exactly R·D, and the rate shown.
for (const [rate, durationS] of [
  [300, 3],
  [400, 4],
] as const) {
  const report = await runScenario(
    resolveScenario({
      name: 'exact',
      target: { mock: { faults: { rules: [{ kind: 'latency', dist: 'fixed', ms: 20 }] } } },
      workload: { kind: 'embed', inputsPerRequest: 1 },
      load: { model: 'open', rate, durationS },
      profiles: [{ name: 'a' }, { name: 'b', preset: 'httpx' }],
    }),
  );
  out(`open ${rate} req/s × ${durationS} s`, report.profiles.map((p) => ({ sent: p.requests.total, server: p.server!.requests.total, offered: p.rate.offered, achieved: p.rate.achieved })));
}

// 9. HTTP/2: queueing for a stream slot (server allows 2, 300 ms each, 6 at once).
{
  const server = http2.createServer({ settings: { maxConcurrentStreams: 2 } });
  server.on('stream', (stream) => setTimeout(() => (stream.respond({ ':status': 200 }), stream.end('{}')), 300));
  const url = await listen(server);
  const records: AttemptRecord[] = [];
  const engine = new Engine(url, { httpVersion: 2, pool: { connections: 1 } }, { env: {}, observer: { onAttemptEnd: (a) => records.push(a) } });
  await Promise.all(Array.from({ length: 6 }, (_, i) => engine.attempt({ method: 'GET', path: `/${i}` })));
  out('h2, 2 streams, 6 requests', { ttfbMs: records.map((r) => Math.round(r.ttfbMs ?? -1)), queueWaitMs: records.map((r) => Math.round(r.queueWaitMs)) });
  await engine.close();
  server.close();
}

// 10. Pool recommendation: the bundled pool-exhaustion scenario, and a stream workload.
{
  const pool = withFindings(await runScenario(await loadScenario('scenarios/pool-exhaustion.yaml'), { profiles: ['httpx-small-pool'], durationS: 3 })).profiles[0]!;
  const stream = withFindings(
    await runScenario(
      resolveScenario({
        name: 'streams',
        target: { mock: { tokensPerSecond: 200 } },
        workload: { kind: 'stream', maxTokens: 40 },
        load: { model: 'open', rate: 50, durationS: 3 },
        profiles: [{ name: 'small', preset: 'aiohttp', pool: { connections: 3 }, timeouts: { acquire: 300 } }],
      }),
    ),
  ).profiles[0]!;
  out('pool finding: pool-exhaustion', { poolTimeouts: pool.errors.pool_timeout, recommends: connectionsNeeded(pool)?.connections });
  out('pool finding: streams', { poolTimeouts: stream.errors.pool_timeout, recommends: connectionsNeeded(stream)?.connections });
}
