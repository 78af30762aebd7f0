/**
 * npm run bench:client — batchPost and embed of 50,000 small items against the mock (in its own process),
 * in one run with Baseten's Performance Client, newest Rust core (the napi binary of the per-platform
 * package, 0.1.14; bench/ensure-baseten.mjs installs it), HTTP/1.1 against tailgate's HTTP/1.1 and h2c
 * (HTTP/2 with prior knowledge, which the mock serves on the same port) against tailgate's h2c; and
 * Promise.all over global fetch at the same concurrency. Target: >= 1.5x Baseten's, per protocol.
 * (Hedging moved to bench/hedging.bench.ts.)
 */
import { createRequire } from 'node:module';
import { PerformanceClient } from '../src/index.js';
import { median, row, startChildServer, writeBenchRows, type BenchRow, type ChildServer } from './harness.js';

const BASETEN_PACKAGE = `@basetenlabs/performance-client-${process.platform}-${process.arch}${process.platform === 'linux' ? '-gnu' : ''}`;

/** The binary's API (its index.d.ts is in the wrapper only; these signatures are 0.1.x's, by napi-rs). */
interface BasetenNative {
  PerformanceClient: new (baseUrl: string, apiKey?: string | null, httpVersion?: number | null) => BasetenClient;
  RequestProcessingPreference: new (maxConcurrentRequests?: number | null, batchSize?: number | null) => object;
}
interface BasetenClient {
  embed(input: string[], model: string, encodingFormat: null, dimensions: null, user: null, preference: object): Promise<{ data: unknown[] }>;
  batchPost(path: string, payloads: unknown[], preference: object): Promise<{ data: unknown[] }>;
}

const ITEMS = Number(process.env.ITEMS ?? 50_000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 64);
const BATCH = Number(process.env.BATCH ?? 16);
const ROUNDS = Number(process.env.ROUNDS ?? 3);

const require = createRequire(import.meta.url);
let baseten: BasetenNative | null = null;
let version = '?';
try {
  baseten = require(BASETEN_PACKAGE) as BasetenNative;
  version = (require(`${BASETEN_PACKAGE}/package.json`) as { version: string }).version;
} catch (err) {
  console.log(`${BASETEN_PACKAGE} cannot be loaded (${(err as Error).message.split('\n')[0]}): Baseten rows are written without a ratio`);
}
const B1 = `baseten ${version} h1`;
const B2 = `baseten ${version} h2c`;

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

/** Rounds of every runner in turn (reversed every other round); median items/s of each. */
async function duel(title: string, runners: Runner[]): Promise<Map<string, number>> {
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
  const medians = new Map([...results].map(([k, xs]) => [k, median(xs)]));
  const base = medians.get(B1) ?? Number.NaN;
  console.log(`\n${title} (${ITEMS} items, concurrency ${CONCURRENCY}, ${ROUNDS} rounds, median items/s)`);
  for (const [name, xs] of results) {
    console.log(`  ${name.padEnd(34)} ${medians.get(name)!.toFixed(0).padStart(8)} items/s  ${(medians.get(name)! / base).toFixed(2)}x ${B1}   [${xs.map((x) => x.toFixed(0)).join(' ')}]`);
  }
  return medians;
}

function rowsOf(bench: string, m: Map<string, number>): BenchRow[] {
  const ratio = (a: string, b: string) => (m.has(a) && m.has(b) ? m.get(a)! / m.get(b)! : null);
  return [
    row('client', `${bench}: tailgate PerformanceClient h1`, B1, ratio('tailgate PerformanceClient h1', B1), 1.5),
    row('client', `${bench}: tailgate PerformanceClient h2c`, B2, ratio('tailgate PerformanceClient h2c', B2), 1.5),
    row('client', `${bench}: Promise.all over global fetch (h1)`, B1, ratio('Promise.all over global fetch', B1)),
  ];
}

async function throughput(mock: ChildServer): Promise<BenchRow[]> {
  const h1 = new PerformanceClient({ baseUrl: mock.url, env: {}, config: { pool: { connections: CONCURRENCY, keepAliveMs: 60_000 } } });
  const h2 = new PerformanceClient({ baseUrl: mock.url, env: {}, config: { httpVersion: 2, pool: { connections: 4, pipelining: 64, keepAliveMs: 60_000 } } });
  const pref = { maxConcurrentRequests: CONCURRENCY, batchSize: BATCH };
  const b1 = baseten && new baseten.PerformanceClient(mock.url, 'bench-key', 1);
  const b2 = baseten && new baseten.PerformanceClient(mock.url, 'bench-key', 2);
  const bpref = baseten && new baseten.RequestProcessingPreference(CONCURRENCY, BATCH);
  const post: Runner[] = [
    { name: 'tailgate PerformanceClient h1', run: async () => (await h1.batchPost('/v1/embeddings', payloads, { preference: pref })).data.length },
    { name: 'tailgate PerformanceClient h2c', run: async () => (await h2.batchPost('/v1/embeddings', payloads, { preference: pref })).data.length },
    { name: 'Promise.all over global fetch', run: () => fetchAll(`${mock.url}/v1/embeddings`, payloads) },
  ];
  const batches = Array.from({ length: Math.ceil(ITEMS / BATCH) }, (_, i) => ({ input: texts.slice(i * BATCH, (i + 1) * BATCH) }));
  const embed: Runner[] = [
    { name: 'tailgate PerformanceClient h1', run: async () => (await h1.embed(texts, { preference: pref })).data.length },
    { name: 'tailgate PerformanceClient h2c', run: async () => (await h2.embed(texts, { preference: pref })).data.length },
    { name: 'Promise.all over global fetch', run: async () => (await fetchAll(`${mock.url}/v1/embeddings`, batches)) && ITEMS },
  ];
  if (b1 && b2 && bpref) {
    post.unshift({ name: B1, run: async () => (await b1.batchPost('/v1/embeddings', payloads, bpref)).data.length }, { name: B2, run: async () => (await b2.batchPost('/v1/embeddings', payloads, bpref)).data.length });
    embed.unshift({ name: B1, run: async () => (await b1.embed(texts, 'm', null, null, null, bpref)).data.length }, { name: B2, run: async () => (await b2.embed(texts, 'm', null, null, null, bpref)).data.length });
  }
  console.log(`h2c: tailgate 4 connections x 64 streams; Baseten's own layout (up to 64 clients of one connection, 8 streams each before the next)`);
  const rows = [...rowsOf('batchPost', await duel('batchPost: one small JSON request per item', post)), ...rowsOf('embed', await duel(`embed: batches of ${BATCH}`, embed))];
  await Promise.all([h1.close(), h2.close()]);
  return rows;
}

const mock = await startChildServer('./mock-server-child.js');
const rows = await throughput(mock);
await mock.stop();
await writeBenchRows('client', rows);
