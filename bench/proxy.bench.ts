/**
 * npm run bench:proxy — what the proxy adds to what a client sees: p50 and p99 of the same requests to
 * the same upstream (the mock, fixed latency, in its own process) through the proxy (in its own process,
 * as `tailgate proxy` runs) and direct. Rounds alternate direct and proxy (ABBA), each an open loop at
 * RATE req/s for SECONDS (requests on a schedule: a closed loop's lockstep bursts would measure the
 * bench's own queueing); each round's ratio of the proxy's percentile to direct's is kept, and their
 * median is the figure, with what the proxy added in ms. Targets, over an upstream of LATENCY_MS (20):
 * p50 at most 1.10x direct, p99 at most 1.5x (a p99 of a few seconds' samples on a shared 2-core machine
 * moves by tens of percent from one round to the next, direct or not).
 */
import { performance } from 'node:perf_hooks';
import { Engine } from '../src/index.js';
import { createHistogram, recordMs } from '../src/metrics/index.js';
import { sleep } from '../src/util/index.js';
import { quartiles, row, startChildServer, writeBenchRows } from './harness.js';

const RATE = Number(process.env.RATE ?? 200);
const SECONDS = Number(process.env.SECONDS ?? 3);
const ROUNDS = Number(process.env.ROUNDS ?? 6);
const LATENCY_MS = Number(process.env.LATENCY_MS ?? 20);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 32);

interface Round {
  p50: number;
  p99: number;
}

/** RATE req/s for SECONDS on `engine`, each request timed by the client end to end: its p50 and p99 (ms). */
async function round(engine: Engine): Promise<Round> {
  const h = createHistogram();
  const n = RATE * SECONDS;
  const startedAt = performance.now();
  const sent: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    await sleep(startedAt + (i * 1000) / RATE - performance.now());
    const t = performance.now();
    sent.push(engine.attempt({ method: 'GET', path: '/health', discardBody: true }).then(() => recordMs(h, performance.now() - t)));
  }
  await Promise.all(sent);
  return { p50: h.getValueAtPercentile(50) / 1000, p99: h.getValueAtPercentile(99) / 1000 };
}

const upstream = await startChildServer('./mock-server-child.js', [JSON.stringify({ rules: [{ kind: 'latency', dist: 'fixed', ms: LATENCY_MS }] })]);
const proxy = await startChildServer('./proxy-child.js', [upstream.url]);
// One long-lived client each way, as a service keeps its client: a pool of CONNECTIONS, kept between rounds.
const config = { pool: { connections: CONNECTIONS } };
const directClient = new Engine(upstream.url, config, { env: {} });
const proxyClient = new Engine(proxy.url, config, { env: {} });
// Warm-up: connections opened, code compiled, both ways.
await round(directClient);
await round(proxyClient);
const direct: Round[] = [];
const through: Round[] = [];
for (let i = 0; i < ROUNDS; i++) {
  // ABBA: the proxy first in even rounds, direct first in odd ones, so drift falls on both alike.
  if (i % 2 === 0) {
    through.push(await round(proxyClient));
    direct.push(await round(directClient));
  } else {
    direct.push(await round(directClient));
    through.push(await round(proxyClient));
  }
}
await Promise.all([directClient.close(), proxyClient.close()]);
await Promise.all([proxy.stop(), upstream.stop()]);
/** Each round's proxy/direct ratio of `q`, paired as they ran: quartiles [q1, median, q3]. */
const ratio = (q: keyof Round) => quartiles(through.map((r, i) => r[q] / (direct[i] as Round)[q]));
const p50 = ratio('p50');
const p99 = ratio('p99');
/** The median over rounds of what the proxy added to `q` (ms). */
const added = (q: keyof Round) => quartiles(through.map((r, i) => r[q] - (direct[i] as Round)[q]))[1];

const fmt = (rs: Round[], q: keyof Round) => rs.map((r) => r[q].toFixed(2)).join(' ');
console.log(`\nproxy vs direct, upstream fixed ${LATENCY_MS} ms (${RATE} req/s open loop, ${ROUNDS} rounds x ${SECONDS} s each way, ABBA)`);
console.log(`  p50 ms  direct [${fmt(direct, 'p50')}]  proxy [${fmt(through, 'p50')}]  ratio ${p50[1].toFixed(3)} (IQR ${p50[0].toFixed(3)}..${p50[2].toFixed(3)}, target <= 1.10), +${added('p50').toFixed(2)} ms`);
console.log(`  p99 ms  direct [${fmt(direct, 'p99')}]  proxy [${fmt(through, 'p99')}]  ratio ${p99[1].toFixed(3)} (IQR ${p99[0].toFixed(3)}..${p99[2].toFixed(3)}, target <= 1.5), +${added('p99').toFixed(2)} ms`);
await writeBenchRows('proxy', [
  row('proxy', `through the proxy, p50 (upstream ${LATENCY_MS} ms)`, 'direct p50', p50[1], 1.1, '<=', [p50[0], p50[2]]),
  row('proxy', `through the proxy, p99 (upstream ${LATENCY_MS} ms)`, 'direct p99', p99[1], 1.5, '<=', [p99[0], p99[2]]),
]);
