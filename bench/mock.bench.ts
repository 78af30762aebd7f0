/**
 * npm run bench:mock. The mock runs in a process of its own; every ratio is the median of paired or
 * interleaved rounds with its interquartile range, as a shared machine drifts between rounds. For
 * throughput both servers are pinned to one CPU (a per-core comparison); the latency rounds are not
 * pinned: on a machine shared with other work a pinned process cannot move off a busy core, and its
 * wake-ups wait (measured: p50 +8-18% pinned where +3-6% unpinned at load average 8).
 * 1. The mock with no fault active against a minimal node:http server under the same autocannon load
 *    (target >= 0.9x).
 * 2. Each latency distribution at the mock's rated load (RATE requests/s, README "The mock server"):
 *    the p50, p90 and p99 a client observes against the configured ones (within 5%); a row per
 *    distribution with the worst of the three.
 */
import { execFileSync } from 'node:child_process';
import autocannon from 'autocannon';
import { latencyQuantile, latencySampler, seededRandom, type LatencySpec } from '../mock-server/index.js';
import { Engine } from '../src/index.js';
import { pairedRatios, quartiles, row, startChildServer, writeBenchRows, type BenchRow, type ChildServer } from './harness.js';

const rows: BenchRow[] = [];
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 50);
const SECONDS = Number(process.env.SECONDS ?? 2);
const ROUNDS = Number(process.env.ROUNDS ?? 10);
/** The mock's rated load on one core (README "The mock server"): latency within ±5% up to here. */
const RATE = Number(process.env.RATE ?? 200);
const LATENCY_ROUNDS = Number(process.env.LATENCY_ROUNDS ?? 5);
const SAMPLES = Number(process.env.SAMPLES ?? 1000);
const SERVER_CPU = '1';

const iqr = (q: [number, number, number]) => `IQR ${q[0].toFixed(3)}..${q[2].toFixed(3)}`;
const load = () => (execFileSync('cat', ['/proc/loadavg']).toString().split(' ')[0] ?? '?');


async function rps(url: string, path: string): Promise<number> {
  const result = await autocannon({ url: `${url}${path}`, connections: CONNECTIONS, duration: SECONDS });
  return result.requests.average;
}

async function throughput(): Promise<void> {
  const mock = await startChildServer('./mock-server-child.js', [], {}, SERVER_CPU);
  const minimal = await startChildServer('./minimal-server.js', [], {}, SERVER_CPU);
  await rps(minimal.url, '/');
  await rps(mock.url, '/health');
  const loadBefore = load();
  const { ratios, q } = await pairedRatios(ROUNDS, () => rps(mock.url, '/health'), () => rps(minimal.url, '/'));
  await Promise.all([mock.stop(), minimal.stop()]);
  console.log(`\nmock /health vs minimal node:http, no faults (autocannon ${CONNECTIONS} connections, ${ROUNDS} paired rounds x ${SECONDS} s; load average ${loadBefore} -> ${load()})`);
  console.log(`  ${q[1].toFixed(3)}x (${iqr(q)})  rounds [${ratios.map((r) => r.toFixed(2)).join(' ')}] (target >= 0.90x; both servers on CPU ${SERVER_CPU})`);
  rows.push(row('mock', `tailgate mock /health, no faults (${iqr(q)})`, 'minimal node:http', q[1], 0.9));
}

const DISTRIBUTIONS: LatencySpec[] = [
  { dist: 'fixed', ms: 40 },
  { dist: 'uniform', minMs: 20, maxMs: 80 },
  { dist: 'normal', meanMs: 60, stddevMs: 10 },
  { dist: 'lognormal', medianMs: 40, p99Ms: 300 },
  { dist: 'pareto', minMs: 20, alpha: 3 },
  { dist: 'bimodal', fastMs: 20, slowMs: 400, slowPct: 5 },
];
const QUANTILES = [0.5, 0.9, 0.99] as const;

/** The mean of a distribution, drawn from its own sampler: the concurrency that makes RATE in a closed loop. */
function meanMs(spec: LatencySpec): number {
  const sample = latencySampler(spec, seededRandom(1));
  let sum = 0;
  for (let i = 0; i < 20_000; i++) sum += sample();
  return sum / 20_000;
}

/** One round against one distribution's mock: observed/configured at each quantile. */
async function latencyRound(mock: ChildServer, spec: LatencySpec, concurrency: number): Promise<number[]> {
  const samples: number[] = [];
  const engine = new Engine(mock.url, { pool: { connections: concurrency } }, { observer: { onAttemptEnd: (a) => samples.push(a.ttfbMs ?? Number.NaN) }, env: {} });
  let sent = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent++ < SAMPLES) await engine.attempt({ method: 'GET', path: '/health', discardBody: true });
    }),
  );
  await engine.close();
  samples.sort((a, b) => a - b);
  return QUANTILES.map((q) => (samples[Math.floor(q * samples.length)] as number) / latencyQuantile(spec, q));
}

async function distributions(): Promise<void> {
  const mocks = await Promise.all(DISTRIBUTIONS.map((spec) => startChildServer('./mock-server-child.js', [JSON.stringify({ seed: 3, rules: [{ kind: 'latency', ...spec }] })])));
  const concurrency = DISTRIBUTIONS.map((spec) => Math.max(1, Math.round((RATE * meanMs(spec)) / 1000)));
  const ratios = DISTRIBUTIONS.map(() => QUANTILES.map(() => [] as number[]));
  const loadBefore = load();
  for (let round = 0; round < LATENCY_ROUNDS; round++) {
    const order = DISTRIBUTIONS.map((_, i) => i);
    if (round % 2 === 1) order.reverse();
    for (const i of order) {
      const observed = await latencyRound(mocks[i] as ChildServer, DISTRIBUTIONS[i] as LatencySpec, concurrency[i] as number);
      observed.forEach((r, k) => ratios[i]![k]!.push(r));
    }
  }
  await Promise.all(mocks.map((m) => m.stop()));
  console.log(`\nlatency at ${RATE} requests/s (closed loop), ${LATENCY_ROUNDS} interleaved rounds x ${SAMPLES} requests: client-observed ttfb / configured, median (IQR); load average ${loadBefore} -> ${load()}`);
  DISTRIBUTIONS.forEach((spec, i) => {
    const qs = ratios[i]!.map((xs) => quartiles(xs));
    const worst = qs.reduce((w, q, k) => (Math.abs(q[1] - 1) > Math.abs((qs[w] as [number, number, number])[1] - 1) ? k : w), 0);
    const cells = qs.map((q, k) => `p${(QUANTILES[k] as number) * 100} ${q[1].toFixed(3)}x (${q[0].toFixed(2)}..${q[2].toFixed(2)})${Math.abs(q[1] - 1) <= 0.05 ? '' : ' !'}`);
    console.log(`  ${JSON.stringify(spec).padEnd(58)} c=${String(concurrency[i]).padEnd(4)} ${cells.join('  ')}`);
    const q = qs[worst] as [number, number, number];
    rows.push(row('mock', `${spec.dist} latency at ${RATE}/s, worst of p50/p90/p99 (p${(QUANTILES[worst] as number) * 100}, ${iqr(q)})`, 'configured', q[1], 0.05, '±'));
  });
}

if (process.env.ONLY !== 'latency') await throughput();
if (process.env.ONLY !== 'throughput') await distributions();
await writeBenchRows('mock', rows);
