/**
 * npm run bench:client
 * 1. batchPost and embed of 50,000 small items against the mock (in its own process), in one run with
 *    the published @basetenlabs/performance-client (it speaks h2c, which the mock serves on the same
 *    port) and with Promise.all over global fetch at the same concurrency. Target: >= 1.5x Baseten's.
 * 2. A hedged run against a bimodal-tail mock. Target: p99 cut >= 5x for <= 10% extra requests.
 */
import { createRequire } from 'node:module';
import { PerformanceClient } from '../src/index.js';
import { median, startChildServer, type ChildServer } from './harness.js';

const require = createRequire(import.meta.url);
const Baseten = (require('@basetenlabs/performance-client') as { PerformanceClient: new (url: string, key?: string) => BasetenClient }).PerformanceClient;
interface BasetenClient {
  embed(input: string[], model: string, fmt?: null, dims?: null, user?: null, conc?: number, batch?: number): Promise<{ data: unknown[] }>;
  batchPost(path: string, payloads: unknown[], conc?: number): Promise<{ data: unknown[] }>;
}

const ITEMS = Number(process.env.ITEMS ?? 50_000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 64);
const BATCH = Number(process.env.BATCH ?? 16);
const ROUNDS = Number(process.env.ROUNDS ?? 3);

const texts = Array.from({ length: ITEMS }, (_, i) => `item ${i}`);
const payloads = texts.map((t) => ({ input: t }));

async function fetchAll(url: string, bodies: unknown[]): Promise<number> {
  let next = 0;
  let ok = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const body = JSON.stringify(bodies[next++]);
        const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
        await res.arrayBuffer();
        if (res.ok) ok++;
      }
    }),
  );
  return ok;
}

type Runner = { name: string; run: () => Promise<number> };

async function duel(title: string, runners: Runner[], peer: string): Promise<void> {
  const results = new Map<string, number[]>(runners.map((r) => [r.name, []]));
  for (const r of runners) await r.run(); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const r of round % 2 ? [...runners].reverse() : runners) {
      const t0 = performance.now();
      const n = await r.run();
      if (n !== ITEMS) throw new Error(`${r.name} returned ${n} of ${ITEMS} items`);
      results.get(r.name)!.push(ITEMS / ((performance.now() - t0) / 1000));
    }
  }
  const base = median(results.get(peer)!);
  console.log(`\n${title} (${ITEMS} items, concurrency ${CONCURRENCY}, ${ROUNDS} rounds, median items/s)`);
  for (const [name, xs] of results) {
    const m = median(xs);
    console.log(`  ${name.padEnd(34)} ${m.toFixed(0).padStart(8)} items/s  ${(m / base).toFixed(2)}x ${peer}   [${xs.map((x) => x.toFixed(0)).join(' ')}]`);
  }
}

async function throughput(mock: ChildServer): Promise<void> {
  const h1 = new PerformanceClient({ baseUrl: mock.url, env: {}, config: { pool: { connections: CONCURRENCY, keepAliveMs: 60_000 } } });
  const h2 = new PerformanceClient({ baseUrl: mock.url, env: {}, config: { httpVersion: 2, pool: { connections: 4, pipelining: 64, keepAliveMs: 60_000 } } });
  const baseten = new Baseten(mock.url, 'bench-key');
  const pref = { maxConcurrentRequests: CONCURRENCY, batchSize: BATCH };
  await duel(
    'batchPost: one small JSON request per item',
    [
      { name: 'baseten performance-client', run: async () => (await baseten.batchPost('/v1/embeddings', payloads, CONCURRENCY)).data.length },
      { name: 'tailgate PerformanceClient h1', run: async () => (await h1.batchPost('/v1/embeddings', payloads, { preference: pref })).data.length },
      { name: 'tailgate PerformanceClient h2c', run: async () => (await h2.batchPost('/v1/embeddings', payloads, { preference: pref })).data.length },
      { name: 'Promise.all over global fetch', run: () => fetchAll(`${mock.url}/v1/embeddings`, payloads) },
    ],
    'baseten performance-client',
  );
  const batches = Array.from({ length: Math.ceil(ITEMS / BATCH) }, (_, i) => ({ input: texts.slice(i * BATCH, (i + 1) * BATCH) }));
  await duel(
    `embed: batches of ${BATCH}`,
    [
      { name: 'baseten performance-client', run: async () => (await baseten.embed(texts, 'm', null, null, null, CONCURRENCY, BATCH)).data.length },
      { name: 'tailgate PerformanceClient h1', run: async () => (await h1.embed(texts, { preference: pref })).data.length },
      { name: 'tailgate PerformanceClient h2c', run: async () => (await h2.embed(texts, { preference: pref })).data.length },
      { name: 'Promise.all over global fetch', run: async () => (await fetchAll(`${mock.url}/v1/embeddings`, batches)) && ITEMS },
    ],
    'baseten performance-client',
  );
  await Promise.all([h1.close(), h2.close()]);
}

async function hedging(): Promise<void> {
  const N = Number(process.env.HEDGE_REQUESTS ?? 3000);
  const tail = { seed: 5, rules: [{ kind: 'latency', dist: 'bimodal', fastMs: 10, slowMs: 1000, slowPct: 3 }] };
  const mock = await startChildServer('./mock-server-child.js', [JSON.stringify(tail)]);
  const p99 = (xs: (number | null)[]) => {
    const s = xs.filter((x): x is number => x !== null).sort((a, b) => a - b);
    return s[Math.floor(0.99 * s.length)] as number;
  };
  const row = async (hedgeDelayS: number | null) => {
    const client = new PerformanceClient({ baseUrl: mock.url, env: {}, config: { pool: { connections: 256 } } });
    const res = await client.batchPost('/health', Array.from({ length: N }, () => ({})), {
      method: 'GET',
      preference: { maxConcurrentRequests: 64, hedgeDelayS, hedgeBudgetPct: 0.1 },
    });
    const s = client.stats();
    await client.close();
    return { p99: p99(res.individualRequestTimesMs), sent: s.primary + s.hedge + s.retry, hedges: s.hedge };
  };
  const plain = await row(null);
  const hedged = await row(0.05);
  await mock.stop();
  console.log(`\nhedging against a bimodal tail (3% take 1000 ms, else 10 ms), ${N} requests, concurrency 64`);
  console.log(`  no hedging           p99 ${plain.p99.toFixed(1)} ms   attempts ${plain.sent}`);
  console.log(`  hedge after 50 ms    p99 ${hedged.p99.toFixed(1)} ms   attempts ${hedged.sent} (${hedged.hedges} hedges)`);
  console.log(
    `  p99 cut ${(plain.p99 / hedged.p99).toFixed(1)}x (target >= 5x) for ${(((hedged.sent - N) / N) * 100).toFixed(1)}% extra requests (target <= 10%)`,
  );
}

const mock = await startChildServer('./mock-server-child.js');
await throughput(mock);
await mock.stop();
await hedging();
