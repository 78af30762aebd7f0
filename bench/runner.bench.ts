/**
 * npm run bench:runner
 * 1. The runner's top rate, closed model against a minimal local server (its own process), in one run
 *    with autocannon at the same connections. Target: >= 1.0x autocannon's requests/s.
 * 2. A run of 1,000,000 requests with its peak memory (RSS and heap), sampled every 250 ms.
 */
import autocannon from 'autocannon';
import { Pool, type Dispatcher } from 'undici';
import { resolveScenario, runScenario } from '../src/runner/index.js';
import { median, startChildServer } from './harness.js';

const CONNECTIONS = Number(process.env.CONNECTIONS ?? 50);
const SECONDS = Number(process.env.SECONDS ?? 5);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const MILLION = Number(process.env.REQUESTS ?? 1_000_000);

const server = await startChildServer('./minimal-server.js');

function scenario(load: Record<string, unknown>) {
  return resolveScenario({
    name: 'bench',
    target: { url: server.url },
    workload: { kind: 'request', path: '/', method: 'GET' },
    load: { model: 'closed', users: CONNECTIONS, ...load },
    profiles: [{ name: 'tailgate', preset: 'undici', pool: { connections: CONNECTIONS, keepAliveMs: 60_000 } }],
  });
}

async function tailgateRps(): Promise<number> {
  const p = (await runScenario(scenario({ durationS: SECONDS }))).profiles[0]!;
  if (p.requests.failed > 0) throw new Error(`${p.requests.failed} requests failed`);
  return p.requests.total / (p.durationMs / 1000);
}

async function autocannonRps(): Promise<number> {
  const r = await autocannon({ url: server.url, connections: CONNECTIONS, duration: SECONDS });
  return r.requests.total / SECONDS;
}

/** The transport underneath, bare: undici Pool.dispatch in the same closed loop (no metrics, no policy). */
async function undiciRps(): Promise<number> {
  const pool = new Pool(server.url, { connections: CONNECTIONS, keepAliveTimeout: 60_000 });
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const handler: Dispatcher.DispatchHandler = { onConnect() {}, onHeaders: () => true, onData: () => true, onComplete: () => resolve(), onError: reject };
      pool.dispatch({ method: 'GET', path: '/' }, handler);
    });
  let done = 0;
  const end = performance.now() + SECONDS * 1000;
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    while (performance.now() < end) {
      await one();
      done++;
    }
  }));
  await pool.close();
  return done / SECONDS;
}

const results: Record<string, number[]> = { autocannon: [], 'undici Pool.dispatch loop': [], 'tailgate run (closed)': [] };
await autocannonRps();
await tailgateRps();
for (let i = 0; i < ROUNDS; i++) {
  results.autocannon!.push(await autocannonRps());
  results['undici Pool.dispatch loop']!.push(await undiciRps());
  results['tailgate run (closed)']!.push(await tailgateRps());
}
const peer = median(results.autocannon!);
console.log(`\nrunner top rate vs autocannon, ${CONNECTIONS} connections, GET of a tiny body (${ROUNDS} rounds x ${SECONDS} s, median)`);
for (const [name, xs] of Object.entries(results)) {
  const m = median(xs);
  console.log(`  ${name.padEnd(24)} ${m.toFixed(0).padStart(8)} req/s  ${(m / peer).toFixed(2)}x autocannon   [${xs.map((x) => x.toFixed(0)).join(' ')}] (target >= 1.00x)`);
}

// A million requests: memory must stay flat (HDR histograms, counters, one timeline row per second).
let peakRss = 0;
let peakHeap = 0;
const sample = () => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
};
const sampler = setInterval(sample, 250);
const rssBefore = process.memoryUsage().rss;
const t0 = performance.now();
const big = (await runScenario(scenario({ requests: MILLION }))).profiles[0]!;
clearInterval(sampler);
sample();
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;
console.log(`\n${big.requests.total} requests in ${((performance.now() - t0) / 1000).toFixed(1)} s (${big.requests.failed} failed): peak RSS ${mb(peakRss)} (before ${mb(rssBefore)}), peak heap ${mb(peakHeap)}, report timeline ${big.timeline.length} rows`);
await server.stop();
