/**
 * One contender of bench:runner in a process of its own (the parent pins it to a core with taskset):
 *   node runner-child.js KIND MODE URL CONNECTIONS SECONDS [RATE] [WORKERS]
 * KIND autocannon | tailgate | undici; MODE closed | open | memory (tailgate only: SECONDS is then a
 * request count). Warms up for WARMUP_S (default 1 s) first, then prints one JSON line: a Measured.
 */
import autocannon from 'autocannon';
import { Pool, type Dispatcher } from 'undici';
import { resolveScenario, runScenario } from '../src/runner/index.js';

export interface Measured {
  /** Completed requests per second over the measured run. */
  rate: number;
  requests: number;
  failed: number;
  /** Open loop: requests sent more than 10 ms after they were due (tailgate only; null otherwise). */
  late: number | null;
  /** Peak resident set size of this process, MiB. */
  maxRssMiB: number;
}

const [kind, mode, url, conns, amount, rateArg, workersArg] = process.argv.slice(2) as [string, string, string, string, string, string?, string?];
const connections = Number(conns);
const seconds = Number(amount);
const rate = Number(rateArg ?? 0);
const workers = Number(workersArg ?? 1);
const warmupS = Number(process.env.WARMUP_S ?? 1);

async function viaAutocannon(durationS: number): Promise<Omit<Measured, 'maxRssMiB'>> {
  const r = await autocannon({ url, connections, duration: durationS, ...(mode === 'open' ? { overallRate: rate / workers } : {}), ...(workers > 1 ? { workers } : {}) });
  const failed = r.errors + r.timeouts + r.non2xx;
  return { rate: (r.requests.total - failed) / (r.duration || durationS), requests: r.requests.total, failed, late: null };
}

async function viaTailgate(): Promise<Omit<Measured, 'maxRssMiB'>> {
  const load = mode === 'open' ? { model: 'open', rate, durationS: seconds } : mode === 'memory' ? { model: 'closed', users: connections, requests: seconds } : { model: 'closed', users: connections, durationS: seconds };
  const scenario = resolveScenario({
    name: 'bench',
    target: { url },
    workload: { kind: 'request', path: '/', method: 'GET' },
    load,
    ...(mode === 'memory' ? {} : { warmup: { durationS: warmupS } }),
    profiles: [{ name: 'tailgate', preset: 'undici', pool: { connections, keepAliveMs: 60_000 } }],
  });
  const p = (await runScenario(scenario)).profiles[0]!;
  // Open: the report's own achieved rate (completed OK over the load window). Closed: as autocannon
  // counts, completions over the whole measured run, the drain of the last requests included.
  const achieved = mode === 'open' ? (p.rate.achieved ?? 0) : p.requests.ok / (p.durationMs / 1000);
  return { rate: achieved, requests: p.requests.total, failed: p.requests.failed, late: p.requests.late };
}

/** The transport underneath, bare: undici Pool.dispatch in the same closed loop (no metrics, no policy). */
async function viaUndici(ms: number): Promise<Omit<Measured, 'maxRssMiB'>> {
  const pool = new Pool(url, { connections, keepAliveTimeout: 60_000 });
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const handler: Dispatcher.DispatchHandler = { onConnect() {}, onHeaders: () => true, onData: () => true, onComplete: () => resolve(), onError: reject };
      pool.dispatch({ method: 'GET', path: '/' }, handler);
    });
  let done = 0;
  const t0 = performance.now();
  const end = t0 + ms;
  const user = async () => {
    for (; performance.now() < end; done++) await one();
  };
  await Promise.all(Array.from({ length: connections }, user));
  const elapsed = performance.now() - t0;
  await pool.close();
  return { rate: done / (elapsed / 1000), requests: done, failed: 0, late: null };
}

let result: Omit<Measured, 'maxRssMiB'>;
if (kind === 'autocannon') {
  if (warmupS > 0) await autocannon({ url, connections, duration: warmupS, ...(workers > 1 ? { workers } : {}) });
  result = await viaAutocannon(seconds);
} else if (kind === 'undici') {
  if (warmupS > 0) await viaUndici(warmupS * 1000);
  result = await viaUndici(seconds * 1000);
} else {
  result = await viaTailgate();
}
const measured: Measured = { ...result, maxRssMiB: process.resourceUsage().maxRSS / 1024 };
process.stdout.write(`${JSON.stringify(measured)}\n`);
