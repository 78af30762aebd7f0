/**
 * npm run bench:client — batchPost and embed of 20,000 small items against the mock (in its own process),
 * in one run with Baseten's Performance Client, newest Rust core (the napi binary of the per-platform
 * package, 0.1.14; bench/ensure-baseten.mjs installs it), HTTP/1.1 against tailgate's HTTP/1.1 and h2c
 * (HTTP/2 with prior knowledge, which the mock serves on the same port) against tailgate's h2c; and
 * Promise.all over global fetch at the same concurrency. Target: >= 1.5x Baseten's, per protocol.
 *
 * Like for like: at concurrency 64, Baseten's HTTP/1.1 client opens a connection per request in flight (64),
 * and its HTTP/2 client fills up to 64 clients of one connection each 8 streams at a time
 * (HTTP2_CLIENT_OPTIMUM_QUEUED, core/src/client.rs), so 8 connections of 8 streams: tailgate is configured
 * the same, and the mock's own count of the connections each side opened is printed and checked.
 * Each ratio is the median of rounds in which the two ran back to back (order reversed every other
 * round), with the interquartile range of those rounds' ratios. The clients run on one core, the mock
 * on another (CLIENT_CPUS below).
 * (Hedging moved to bench/hedging.bench.ts.)
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Client } from 'undici';
import { PerformanceClient } from '../src/index.js';
import { median, ratioRow, roundRatios, startChildServer, writeBenchRows, type BenchRow, type ChildServer } from './harness.js';

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

const ITEMS = Number(process.env.ITEMS ?? 20_000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 64);
const BATCH = Number(process.env.BATCH ?? 16);
const ROUNDS = Number(process.env.ROUNDS ?? 9);
/** Baseten's HTTP/2 layout at this concurrency: clients of one connection, 8 streams each (see the top). */
const H2_STREAMS = 8;
const H2_CONNECTIONS = Math.ceil(CONCURRENCY / H2_STREAMS);

/**
 * Each side a core of its own: this process (both clients) on one, the mock on another, so that neither
 * client takes the server's CPU and a busy neighbour shares both alike. Every thread of this process is
 * pinned before Baseten's binary loads, so its runtime sizes itself to the one core (tokio reads the
 * affinity). CLIENT_CPUS="client,mock" (default "0,1"; "" leaves both unpinned).
 */
const [CLIENT_CPU, MOCK_CPU] = (process.env.CLIENT_CPUS ?? (availableParallelism() >= 2 ? '0,1' : '')).split(',').map((c) => c.trim() || undefined);
let pinned = false;
if (CLIENT_CPU !== undefined && MOCK_CPU !== undefined) {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', CLIENT_CPU, String(process.pid)], { stdio: 'ignore' });
    pinned = true;
  } catch {
    console.log('taskset failed: the clients and the mock share the CPUs');
  }
}

const require = createRequire(import.meta.url);
let baseten: BasetenNative | null = null;
let version = '?';
try {
  baseten = require(BASETEN_PACKAGE) as BasetenNative;
  version = (require(`${BASETEN_PACKAGE}/package.json`) as { version: string }).version;
} catch (err) {
  console.log(`${BASETEN_PACKAGE} cannot be loaded (${(err as Error).message.split('\n')[0]}): Baseten rows are written without a ratio`);
}
const H1 = `h1, ${CONCURRENCY} conns`;
const H2 = `h2c, ${H2_CONNECTIONS} conns x ${H2_STREAMS} streams`;
const B1 = `baseten ${version} ${H1}`;
const B2 = `baseten ${version} ${H2}`;
const T1 = `tailgate PerformanceClient ${H1}`;
const T2 = `tailgate PerformanceClient ${H2}`;
const FETCH = `Promise.all over global fetch (${H1})`;

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

type Runner = { name: string; run: () => Promise<number>; connections?: number };

/** The mock's own counts since its last reset, and reset them: connections it accepted, requests it served. */
async function mockCounts(admin: Client): Promise<{ accepted: number; http2: number; requests: number }> {
  const res = await admin.request({ method: 'GET', path: '/__tailgate/stats' });
  const stats = (await res.body.json()) as { connections: { accepted: number; http2: number }; requests: { total: number } };
  await (await admin.request({ method: 'DELETE', path: '/__tailgate/stats' })).body.dump();
  return { accepted: stats.connections.accepted, http2: stats.connections.http2, requests: stats.requests.total };
}

/**
 * Every runner once (warm-up: each opens its connections there, which the mock counts), then rounds of
 * every runner in turn, reversed every other round so that each pair runs back to back; items/s per round.
 */
async function duel(title: string, mock: ChildServer, runners: Runner[]): Promise<Map<string, number[]>> {
  const results = new Map<string, number[]>(runners.map((r) => [r.name, []]));
  // One connection of its own for the mock's stats, opened before the first reset so it is never counted.
  const admin = new Client(mock.url, { keepAliveTimeout: 600_000, keepAliveMaxTimeout: 600_000 });
  await mockCounts(admin);
  for (const r of runners) {
    await r.run();
    const seen = await mockCounts(admin);
    console.log(`  warm-up ${r.name}: the mock accepted ${seen.accepted} connections (${seen.http2} h2) for ${seen.requests} requests`);
    // Like for like holds only if each side opened the connections its row says: a stray reconnect is
    // no other layout (Baseten's HTTP/1.1 pool once opened 65 for 64), a different count is.
    if (r.connections !== undefined && Math.abs(seen.accepted - r.connections) > r.connections / 10) {
      throw new Error(`${r.name} opened ${seen.accepted} connections, not the ${r.connections} its row says`);
    }
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const r of round % 2 ? [...runners].reverse() : runners) {
      const t0 = performance.now();
      const n = await r.run();
      if (n !== ITEMS) throw new Error(`${r.name} returned ${n} of ${ITEMS} items`);
      results.get(r.name)!.push(ITEMS / ((performance.now() - t0) / 1000));
    }
  }
  await admin.close();
  console.log(`\n${title} (${ITEMS} items, concurrency ${CONCURRENCY}, ${ROUNDS} rounds, median items/s)`);
  for (const [name, xs] of results) console.log(`  ${name.padEnd(48)} ${median(xs).toFixed(0).padStart(8)} items/s   [${xs.map((x) => x.toFixed(0)).join(' ')}]`);
  return results;
}

function rowsOf(bench: string, rounds: Map<string, number[]>): BenchRow[] {
  const ratios = (a: string, b: string) => roundRatios(rounds, a, b);
  const rows = [
    ratioRow('client', `${bench}: ${T1}`, B1, ratios(T1, B1), 1.5),
    ratioRow('client', `${bench}: ${T2}`, B2, ratios(T2, B2), 1.5),
    ratioRow('client', `${bench}: ${FETCH}`, B1, ratios(FETCH, B1)),
  ];
  for (const r of rows) console.log(`  ${r.contender} / ${r.peer}: ${r.ratio ?? '—'} (IQR ${r.iqr?.join('..') ?? '—'})`);
  return rows;
}

async function throughput(mock: ChildServer): Promise<BenchRow[]> {
  const h1 = new PerformanceClient({ baseUrl: mock.url, env: {}, config: { pool: { connections: CONCURRENCY, keepAliveMs: 60_000 } } });
  const h2 = new PerformanceClient({
    baseUrl: mock.url,
    env: {},
    config: { httpVersion: 2, pool: { connections: H2_CONNECTIONS, pipelining: H2_STREAMS, keepAliveMs: 60_000 } },
  });
  const pref = { maxConcurrentRequests: CONCURRENCY, batchSize: BATCH };
  const b1 = baseten && new baseten.PerformanceClient(mock.url, 'bench-key', 1);
  const b2 = baseten && new baseten.PerformanceClient(mock.url, 'bench-key', 2);
  const bpref = baseten && new baseten.RequestProcessingPreference(CONCURRENCY, BATCH);
  const post: Runner[] = [
    { name: T1, connections: CONCURRENCY, run: async () => (await h1.batchPost('/v1/embeddings', payloads, { preference: pref })).data.length },
    { name: T2, connections: H2_CONNECTIONS, run: async () => (await h2.batchPost('/v1/embeddings', payloads, { preference: pref })).data.length },
    { name: FETCH, run: () => fetchAll(`${mock.url}/v1/embeddings`, payloads) },
  ];
  const batches = Array.from({ length: Math.ceil(ITEMS / BATCH) }, (_, i) => ({ input: texts.slice(i * BATCH, (i + 1) * BATCH) }));
  const embed: Runner[] = [
    { name: T1, run: async () => (await h1.embed(texts, { preference: pref })).data.length },
    { name: T2, run: async () => (await h2.embed(texts, { preference: pref })).data.length },
    { name: FETCH, run: async () => (await fetchAll(`${mock.url}/v1/embeddings`, batches)) && ITEMS },
  ];
  if (b1 && b2 && bpref) {
    // Each Baseten client beside its tailgate peer, so that the pair runs back to back in every round.
    post.splice(0, 0, { name: B1, connections: CONCURRENCY, run: async () => (await b1.batchPost('/v1/embeddings', payloads, bpref)).data.length });
    post.splice(2, 0, { name: B2, connections: H2_CONNECTIONS, run: async () => (await b2.batchPost('/v1/embeddings', payloads, bpref)).data.length });
    embed.splice(0, 0, { name: B1, run: async () => (await b1.embed(texts, 'm', null, null, null, bpref)).data.length });
    embed.splice(2, 0, { name: B2, run: async () => (await b2.embed(texts, 'm', null, null, null, bpref)).data.length });
  }
  const rows = [
    ...rowsOf('batchPost', await duel('batchPost: one small JSON request per item', mock, post)),
    ...rowsOf('embed', await duel(`embed: batches of ${BATCH}`, mock, embed)),
  ];
  await Promise.all([h1.close(), h2.close()]);
  return rows;
}

const mock = await startChildServer('./mock-server-child.js', [], {}, pinned ? MOCK_CPU : undefined);
console.log(pinned ? `clients on CPU ${CLIENT_CPU}, the mock on CPU ${MOCK_CPU}` : 'clients and mock unpinned');
const rows = await throughput(mock);
await mock.stop();
await writeBenchRows('client', rows);
