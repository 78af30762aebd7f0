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
  /**
   * CPU time (user + system) of this process per completed request over the measured run, µs: the
   * contender's own work, which a busy machine changes far less than its rate.
   */
  cpuUsPerRequest: number;
  /** tailgate only (else null): the run's own record of how late it sent (p99) and its event loop's delay (p99), ms. */
  startLagP99Ms: number | null;
  loopDelayP99Ms: number | null;
  /** Peak resident set size of this process, MiB. */
  maxRssMiB: number;
}

type Result = Omit<Measured, 'maxRssMiB' | 'cpuUsPerRequest' | 'startLagP99Ms' | 'loopDelayP99Ms'> & Partial<Pick<Measured, 'startLagP99Ms' | 'loopDelayP99Ms'>>;

const [kind, mode, url, conns, amount, rateArg, workersArg] = process.argv.slice(2) as [string, string, string, string, string, string?, string?];
const connections = Number(conns);
const seconds = Number(amount);
const rate = Number(rateArg ?? 0);
const workers = Number(workersArg ?? 1);
const warmupS = Number(process.env.WARMUP_S ?? 1);

async function viaAutocannon(durationS: number): Promise<Result> {
  const r = await autocannon({ url, connections, duration: durationS, ...(mode === 'open' ? { overallRate: rate / workers } : {}), ...(workers > 1 ? { workers } : {}) });
  const failed = r.errors + r.timeouts + r.non2xx;
  return { rate: (r.requests.total - failed) / (r.duration || durationS), requests: r.requests.total, failed, late: null };
}

function tailgateScenario(durationS: number) {
  const load = mode === 'open' ? { model: 'open', rate, durationS } : mode === 'memory' ? { model: 'closed', users: connections, requests: seconds } : { model: 'closed', users: connections, durationS };
  return resolveScenario({
    name: 'bench',
    target: { url },
    workload: { kind: 'request', path: '/', method: 'GET' },
    load,
    profiles: [{ name: 'tailgate', preset: 'undici', pool: { connections, keepAliveMs: 60_000 } }],
  });
}

/** CPU time and completed requests between the first and the last second the run sampled (its own start-up and report left out). */
const sampled = { cpuUs: 0, requests: 0 };

async function viaTailgate(durationS: number): Promise<Result> {
  let first: { cpuUs: number; requests: number } | null = null;
  const live = {
    boundsUs: [1_000],
    onSample(_run: unknown, s: { requests: { ok: number; failed: Record<string, number> } }) {
      const cpu = process.cpuUsage();
      const at = { cpuUs: cpu.user + cpu.system, requests: s.requests.ok + Object.values(s.requests.failed).reduce((a, b) => a + b, 0) };
      first ??= at;
      sampled.cpuUs = at.cpuUs - first.cpuUs;
      sampled.requests = at.requests - first.requests;
    },
  };
  const p = (await runScenario(tailgateScenario(durationS), { live })).profiles[0]!;
  // Open: the report's own achieved rate (completed OK over the load window). Closed: as autocannon
  // counts, completions over the whole measured run, the drain of the last requests included.
  const achieved = mode === 'open' ? (p.rate.achieved ?? 0) : p.requests.ok / (p.durationMs / 1000);
  const g = p.generator;
  return { rate: achieved, requests: p.requests.total, failed: p.requests.failed, late: p.requests.late, startLagP99Ms: g?.startLagMs?.p99 ?? null, loopDelayP99Ms: g?.loopDelayMs?.p99 ?? null };
}

/** undici's Pool.dispatch bare: no metrics, no policy. One request; `done` when it ends. */
function dispatchOne(pool: Pool, done: (err?: Error) => void): void {
  const handler: Dispatcher.DispatchHandler = { onConnect() {}, onHeaders: () => true, onData: () => true, onComplete: () => done(), onError: done };
  pool.dispatch({ method: 'GET', path: '/' }, handler);
}

/** The transport underneath, bare: undici Pool.dispatch in the same closed loop. */
async function viaUndici(ms: number): Promise<Result> {
  const pool = new Pool(url, { connections, keepAliveTimeout: 60_000 });
  let done = 0;
  let failed = 0;
  const t0 = performance.now();
  const end = t0 + ms;
  await new Promise<void>((resolve) => {
    let users = connections;
    const user = (err?: Error) => {
      if (err) failed++;
      else done++;
      if (performance.now() < end) dispatchOne(pool, user);
      else if (--users === 0) resolve();
    };
    for (let i = 0; i < connections; i++) dispatchOne(pool, user);
  });
  const elapsed = performance.now() - t0;
  await pool.close();
  return { rate: done / (elapsed / 1000), requests: done + failed, failed, late: null };
}

/**
 * The same transport in an open loop at RATE: request i due at i/RATE, sent when due (a timer to
 * shortly before, then setImmediate turns), and the rate achieved as tailgate's report counts it
 * (completed OK over the load window).
 */
async function viaUndiciOpen(ms: number): Promise<Result> {
  const pool = new Pool(url, { connections, keepAliveTimeout: 60_000 });
  const total = Math.floor((rate * ms) / 1000);
  let sent = 0;
  let ok = 0;
  let failed = 0;
  const t0 = performance.now();
  let loadEnd = t0;
  let okInWindow = 0;
  await new Promise<void>((resolve) => {
    const ended = (err?: Error) => {
      if (err) failed++;
      else ok++;
      if (ok + failed === total) resolve();
    };
    const pump = () => {
      const now = performance.now();
      while (sent < total && t0 + (sent * 1000) / rate <= now) {
        dispatchOne(pool, ended);
        sent++;
      }
      if (sent === total) {
        loadEnd = now;
        okInWindow = ok;
        return;
      }
      const wait = t0 + (sent * 1000) / rate - now;
      if (wait > 1.5) setTimeout(pump, wait - 1.5);
      else setImmediate(pump);
    };
    pump();
  });
  await pool.close();
  return { rate: okInWindow / ((loadEnd - t0) / 1000), requests: sent, failed, late: null };
}

let result: Result;
const cpuBefore = { user: 0, system: 0 };
const startCpu = () => Object.assign(cpuBefore, process.cpuUsage());
if (kind === 'autocannon') {
  if (warmupS > 0) await autocannon({ url, connections, duration: warmupS, ...(workers > 1 ? { workers } : {}) });
  startCpu();
  result = await viaAutocannon(seconds);
} else if (kind === 'undici') {
  const run = mode === 'open' ? viaUndiciOpen : viaUndici;
  if (warmupS > 0) await run(warmupS * 1000);
  startCpu();
  result = await run(seconds * 1000);
} else {
  // Warmed up in a run of its own; its CPU is read from the first to the last second the run sampled.
  if (warmupS > 0 && mode !== 'memory') await viaTailgate(warmupS);
  startCpu();
  result = await viaTailgate(seconds);
}
const cpu = process.cpuUsage(cpuBefore);
const measured: Measured = {
  startLagP99Ms: null,
  loopDelayP99Ms: null,
  ...result,
  cpuUsPerRequest: sampled.requests > 0 ? sampled.cpuUs / sampled.requests : (cpu.user + cpu.system) / Math.max(1, result.requests - result.failed),
  maxRssMiB: process.resourceUsage().maxRSS / 1024,
};
process.stdout.write(`${JSON.stringify(measured)}\n`);
