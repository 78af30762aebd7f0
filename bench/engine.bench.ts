/**
 * npm run bench:engine — engine attempts per second against a minimal local server (its own process), in
 * one run with raw undici Pool.request, raw Pool.dispatch and Node's global fetch at the same concurrency.
 * Targets (issue 3): engine >= 0.9x Pool.request; an attached observer costs <= 5% (rate ratio >= 0.95).
 * The observer's cost is a small difference between two large noisy rates, so it gets its own measure:
 * many short paired rounds (with, without, back to back), the median of the per-round ratios, and its
 * interquartile range.
 */
import { Pool, type Dispatcher } from 'undici';
import { Engine, type EngineObserver } from '../src/index.js';
import { compare, pairedRatios, ratioRow, runFor, startChildServer, writeBenchRows } from './harness.js';

const CONCURRENCY = Number(process.env.CONCURRENCY ?? 32);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const MS = Number(process.env.MS ?? 2_000);
const OBSERVER_ROUNDS = Number(process.env.OBSERVER_ROUNDS ?? 40);
const OBSERVER_MS = Number(process.env.OBSERVER_MS ?? 250);

const server = await startChildServer('./minimal-server.js');
const url = server.url;
const config = { pool: { connections: CONCURRENCY, keepAliveMs: 60_000 }, timeouts: { read: 10_000, connect: 5_000 } };

const engine = new Engine(url, config);
let observed = 0;
const observer: EngineObserver = {
  onAttemptEnd: (a) => {
    observed += a.totalMs;
  },
};
const observedEngine = new Engine(url, config, { observer });
const pool = new Pool(url, { connections: CONCURRENCY, keepAliveTimeout: 60_000 });
const dispatchPool = new Pool(url, { connections: CONCURRENCY, keepAliveTimeout: 60_000 });

/** The cheapest correct consumer of a response through Pool.dispatch. */
function dispatchOnce(): Promise<void> {
  return new Promise((resolve, reject) => {
    const handler: Dispatcher.DispatchHandler = { onConnect() {}, onHeaders: () => true, onData: () => true, onComplete: () => resolve(), onError: reject };
    dispatchPool.dispatch({ method: 'GET', path: '/' }, handler);
  });
}

const plain = () => engine.attempt({ method: 'GET', path: '/', discardBody: true });
const withObserver = () => observedEngine.attempt({ method: 'GET', path: '/', discardBody: true });

const m = await compare(
  'engine vs raw undici and fetch: GET, tiny body',
  [
    { name: 'undici Pool.request', one: async () => (await pool.request({ method: 'GET', path: '/' })).body.dump() },
    { name: 'undici Pool.dispatch', one: dispatchOnce },
    { name: 'global fetch', one: async () => (await fetch(url)).arrayBuffer() },
    { name: 'tailgate engine', one: plain },
  ],
  { rounds: ROUNDS, ms: MS, concurrency: CONCURRENCY, peer: 'undici Pool.request' },
);

await runFor(1_000, CONCURRENCY, withObserver); // warm the observed engine's connections and code paths
const obs = await pairedRatios(
  OBSERVER_ROUNDS,
  () => runFor(OBSERVER_MS, CONCURRENCY, withObserver),
  () => runFor(OBSERVER_MS, CONCURRENCY, plain),
);
const [q1, med, q3] = obs.q;
const pct = (r: number) => `${((1 - r) * 100).toFixed(1)}%`;
console.log(`\nobserver cost: ${OBSERVER_ROUNDS} paired rounds x ${OBSERVER_MS} ms, concurrency ${CONCURRENCY}`);
console.log(`  with/without rate: median ${med.toFixed(3)} (cost ${pct(med)}), interquartile range ${q1.toFixed(3)}..${q3.toFixed(3)} (cost ${pct(q3)}..${pct(q1)}); target cost <= 5%`);
console.log(`  per round: ${obs.ratios.map((r) => r.toFixed(3)).join(' ')}`);

await writeBenchRows('engine', [
  ratioRow('engine', 'tailgate engine', 'undici Pool.request', m.ratios('tailgate engine', 'undici Pool.request'), 0.9),
  ratioRow('engine', 'tailgate engine', 'undici Pool.dispatch', m.ratios('tailgate engine', 'undici Pool.dispatch')),
  ratioRow('engine', 'global fetch', 'undici Pool.request', m.ratios('global fetch', 'undici Pool.request')),
  ratioRow('engine', 'engine + observer', 'engine without', obs.ratios, 0.95),
]);

await Promise.all([engine.close(), observedEngine.close(), pool.close(), dispatchPool.close()]);
await server.stop();
if (observed < 0) console.log(observed);
