/**
 * npm run bench:mock
 * 1. The mock with no fault active against a minimal node:http server, both in their own process, under
 *    the same autocannon load (target >= 0.8x).
 * 2. Each latency distribution: percentiles a client observes against the configured ones (within 5%);
 *    a row per distribution with its worst of p50, p90 and p99.
 */
import autocannon from 'autocannon';
import { latencyQuantile, type LatencySpec } from '../mock-server/index.js';
import { Engine } from '../src/index.js';
import { median, row, startChildServer, writeBenchRows, type BenchRow } from './harness.js';

const rows: BenchRow[] = [];
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 50);
const SECONDS = Number(process.env.SECONDS ?? 4);
const ROUNDS = Number(process.env.ROUNDS ?? 3);

async function rps(url: string, path: string): Promise<number> {
  const result = await autocannon({ url: `${url}${path}`, connections: CONNECTIONS, duration: SECONDS });
  return result.requests.average;
}

async function throughput(): Promise<void> {
  const mock = await startChildServer('./mock-server-child.js');
  const minimal = await startChildServer('./minimal-server.js');
  const results: Record<string, number[]> = { 'minimal node:http': [], 'tailgate mock /health': [] };
  await rps(minimal.url, '/');
  await rps(mock.url, '/health');
  for (let i = 0; i < ROUNDS; i++) {
    results['minimal node:http']!.push(await rps(minimal.url, '/'));
    results['tailgate mock /health']!.push(await rps(mock.url, '/health'));
  }
  await Promise.all([mock.stop(), minimal.stop()]);
  const peer = median(results['minimal node:http']!);
  console.log(`\nmock vs minimal node:http server, no faults (autocannon ${CONNECTIONS} connections, ${ROUNDS} rounds x ${SECONDS} s, median)`);
  for (const [name, xs] of Object.entries(results)) {
    const m = median(xs);
    console.log(`  ${name.padEnd(24)} ${m.toFixed(0).padStart(8)} req/s  ${(m / peer).toFixed(2)}x minimal   [${xs.map((x) => x.toFixed(0)).join(' ')}] (target >= 0.80x)`);
  }
  rows.push(row('mock', 'tailgate mock /health, no faults', 'minimal node:http', median(results['tailgate mock /health']!) / peer, 0.8));
}

const CONCURRENCY = Number(process.env.CONCURRENCY ?? 8);

const DISTRIBUTIONS: LatencySpec[] = [
  { dist: 'fixed', ms: 40 },
  { dist: 'uniform', minMs: 20, maxMs: 80 },
  { dist: 'normal', meanMs: 60, stddevMs: 10 },
  { dist: 'lognormal', medianMs: 40, p99Ms: 300 },
  { dist: 'pareto', minMs: 20, alpha: 3 },
  { dist: 'bimodal', fastMs: 20, slowMs: 400, slowPct: 5 },
];

async function distributions(): Promise<void> {
  const N = Number(process.env.SAMPLES ?? 5000);
  console.log(`\nlatency distributions: ${N} requests each, client-observed ttfb vs configured (within 5%)`);
  for (const spec of DISTRIBUTIONS) {
    const mock = await startChildServer('./mock-server-child.js', [JSON.stringify({ seed: 3, rules: [{ kind: 'latency', ...spec }] })]);
    const samples: number[] = [];
    const engine = new Engine(mock.url, { pool: { connections: CONCURRENCY } }, { observer: { onAttemptEnd: (a) => samples.push(a.ttfbMs ?? Number.NaN) }, env: {} });
    let sent = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (sent++ < N) await engine.attempt({ method: 'GET', path: '/health', discardBody: true });
      }),
    );
    await engine.close();
    await mock.stop();
    samples.sort((a, b) => a - b);
    let worst = { q: 0, ratio: 1 };
    const cells = [0.5, 0.9, 0.99].map((q) => {
      const observed = samples[Math.floor(q * samples.length)] as number;
      const want = latencyQuantile(spec, q);
      const err = (observed - want) / want;
      if (Math.abs(err) >= Math.abs(worst.ratio - 1)) worst = { q, ratio: observed / want };
      return `p${q * 100} ${observed.toFixed(1)}/${want.toFixed(1)} ms (${err >= 0 ? '+' : ''}${(err * 100).toFixed(1)}%${Math.abs(err) <= 0.05 ? '' : ' !'})`;
    });
    console.log(`  ${JSON.stringify(spec).padEnd(58)} ${cells.join('  ')}`);
    rows.push(row('mock', `${spec.dist} latency, worst of p50/p90/p99 (p${worst.q * 100})`, 'configured', worst.ratio, 0.05, '±'));
  }
}

await throughput();
await distributions();
await writeBenchRows('mock', rows);
