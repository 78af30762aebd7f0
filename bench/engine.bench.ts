/**
 * npm run bench:engine — engine attempts per second against a minimal local server, in one run with raw
 * undici Pool.request, raw Pool.dispatch and Node's global fetch at the same concurrency.
 * Targets (issue 3): engine >= 0.9x Pool.request; an attached observer costs <= 5%.
 */
import { Pool, type Dispatcher } from 'undici';
import { Engine, type EngineObserver } from '../src/index.js';
import { compare, startChildServer } from './harness.js';

const CONCURRENCY = Number(process.env.CONCURRENCY ?? 32);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const MS = Number(process.env.MS ?? 2_000);

const server = await startChildServer('./minimal-server.js');
const url = server.url;

const engine = new Engine(url, { pool: { connections: CONCURRENCY, keepAliveMs: 60_000 }, timeouts: { read: 10_000, connect: 5_000 } });
let observed = 0;
const observer: EngineObserver = {
  onAttemptEnd: (a) => {
    observed += a.totalMs;
  },
};
const observedEngine = new Engine(url, { pool: { connections: CONCURRENCY, keepAliveMs: 60_000 }, timeouts: { read: 10_000, connect: 5_000 } }, { observer });
const pool = new Pool(url, { connections: CONCURRENCY, keepAliveTimeout: 60_000 });
const dispatchPool = new Pool(url, { connections: CONCURRENCY, keepAliveTimeout: 60_000 });

/** The cheapest correct consumer of a response through Pool.dispatch. */
function dispatchOnce(): Promise<void> {
  return new Promise((resolve, reject) => {
    const handler: Dispatcher.DispatchHandler = {
      onConnect() {},
      onHeaders() {
        return true;
      },
      onData() {
        return true;
      },
      onComplete() {
        resolve();
      },
      onError(err) {
        reject(err);
      },
    };
    dispatchPool.dispatch({ method: 'GET', path: '/' }, handler);
  });
}

await compare(
  'engine vs raw undici and fetch: GET, tiny body',
  [
    { name: 'undici Pool.request', one: async () => (await pool.request({ method: 'GET', path: '/' })).body.dump() },
    { name: 'undici Pool.dispatch', one: dispatchOnce },
    { name: 'global fetch', one: async () => (await fetch(url)).arrayBuffer() },
    { name: 'tailgate engine', one: () => engine.attempt({ method: 'GET', path: '/', discardBody: true }) },
    { name: 'tailgate engine + observer', one: () => observedEngine.attempt({ method: 'GET', path: '/', discardBody: true }) },
  ],
  { rounds: ROUNDS, ms: MS, concurrency: CONCURRENCY, peer: 'undici Pool.request' },
).then((m) => {
  const withObserver = (m.get('tailgate engine + observer') ?? 0) / (m.get('tailgate engine') ?? 1);
  console.log(`  observer cost: ${((1 - withObserver) * 100).toFixed(1)}% (target <= 5%)`);
});

await Promise.all([engine.close(), observedEngine.close(), pool.close(), dispatchPool.close()]);
await server.stop();
if (observed < 0) console.log(observed);
