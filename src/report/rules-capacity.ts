/** Findings about capacity: a pool too small for the offered rate × how long each request holds a connection. */
import type { ProfileReport, Report } from './contract/report.js';
import { fmtMs } from './render/format.js';
import { change, changed, err, inClientTerms, rps, type Rule } from './rule-kit.js';

/**
 * The smallest k with P(X <= k) >= q for X ~ Poisson(mean): how many connections are busy at once, at
 * most, nearly always, when requests arrive at a rate and each holds a connection for a while (the
 * number in an M/G/∞ system is Poisson with mean rate × mean hold, whatever the hold's distribution).
 */
export function poissonQuantile(mean: number, q = 0.999): number {
  if (mean <= 0) return 0;
  if (mean > 200) return Math.ceil(mean + 3.09 * Math.sqrt(mean) + 0.5); // normal approximation, z(0.999)
  let k = 0;
  let pmf = Math.exp(-mean);
  let cdf = pmf;
  while (cdf < q) {
    k++;
    pmf *= mean / k;
    cdf += pmf;
  }
  return k;
}

/**
 * Connections the offered load needs: it holds rate × mean hold connections on average (Little's law),
 * and nearly always no more than the Poisson 99.9% point of that. The hold is what an attempt keeps its
 * connection for (a stream: its whole generation), not its time to first byte.
 */
export function connectionsNeeded(p: ProfileReport): { connections: number; busy: number; holdMs: number } | null {
  const holdMs = p.connectionHoldMs?.mean ?? p.latencyMs?.mean;
  if (!holdMs || !rps(p)) return null;
  const busy = rps(p) * (holdMs / 1000);
  const perConnection = p.config.httpVersion === 2 ? p.config.pool.pipelining : 1;
  return { connections: Math.max(1, Math.ceil(poissonQuantile(busy) / perConnection)), busy, holdMs };
}

/**
 * The most requests the load itself puts in flight at once: the Poisson 99.9% point of the offered
 * rate × hold, a burst, the closed model's users, a ramp's top rate. Not the peak a run saw: a
 * stalled load generator releases its late requests together, a peak of its own making.
 */
export function expectedPeak(p: ProfileReport, load: Report['load']): number {
  const need = connectionsNeeded(p);
  const perConnection = p.config.httpVersion === 2 ? p.config.pool.pipelining : 1;
  const top = load.model === 'ramping' && need ? Math.ceil(poissonQuantile(Math.max(...(load.stages ?? []).map((st) => st.rate)) * (need.holdMs / 1000)) / perConnection) : 0;
  const model = load.model === 'bursts' ? (load.burstSize ?? 0) : load.model === 'closed' ? (load.users ?? 0) : 0;
  return Math.max(need?.connections ?? 0, top, Math.ceil(model / perConnection));
}

/**
 * The 99.9% point covers how arrivals bunch at this run's latency; a fifth more covers a server slower
 * than in this run (the next hour's, or the rerun that verifies the fix).
 */
export const POOL_HEADROOM = 1.2;

/**
 * A pool sized for the load, in one place for every finding that sizes it (so they agree): connections
 * for the 99.9% point of those busy at once, with headroom (more than today's when requests queue
 * anyway), and as many of them kept idle as a peak of the load needs, so a quiet moment does not close
 * what the next peak reopens. null: unlimited, or not to be changed.
 */
export function sizedPool(p: ProfileReport, load: Report['load'], queues: boolean): { connections: number | null; maxIdle: number | null } {
  const size = p.config.pool.connections;
  // Whether the pool or its idle cap is too small is judged on the load's own peak; the headroom is for the value.
  const peak = expectedPeak(p, load);
  const room = Math.ceil(POOL_HEADROOM * peak);
  const connections = size === null ? null : queues && peak > size ? room : size;
  const maxIdle = p.config.pool.maxIdle;
  const keep = maxIdle === null || peak <= maxIdle ? maxIdle : Math.max(maxIdle, connections === null ? room : Math.min(connections, room));
  return { connections, maxIdle: keep };
}

/**
 * The pool waits: requests time out waiting, or wait (p99) over a fifth of the typical answer and over
 * 10 ms beyond twice the generator's own event-loop delay (a connection is handed over on the loop's
 * next turn, so a stalled generator's requests "wait" for the loop, not the pool).
 */
function poolWaits(p: ProfileReport): { timeouts: number; acquire: number; wait: number; typical: number } {
  // aiohttp's connect timeout (timeouts.acquire) covers the wait for a pool slot: its timeouts are pool waits too.
  const acquire = p.config.timeouts.acquire != null ? err(p, 'connect_timeout') : 0;
  return { timeouts: err(p, 'pool_timeout') + acquire, acquire, wait: p.queueWaitMs?.p99 ?? 0, typical: p.ttfbMs?.p50 ?? p.latencyMs?.p50 ?? 0 };
}

export const poolQueues = (p: ProfileReport) => {
  const w = poolWaits(p);
  return w.timeouts > 0 || (w.wait > 10 + 2 * (p.eventLoop?.p99Ms ?? 0) && w.wait > 0.2 * w.typical);
};

export const poolExhaustion: Rule = (p, r) => {
  if (!poolQueues(p)) return null;
  const { timeouts, acquire, wait, typical } = poolWaits(p);
  const need = connectionsNeeded(p);
  const size = p.config.pool.connections;
  const peak = expectedPeak(p, r.load);
  const symptom =
    timeouts > 0
      ? acquire > 0
        ? `${timeouts} attempts failed waiting for a connection (connect_timeout: aiohttp's connect timeout covers the wait for a pool slot)`
        : `${timeouts} attempts failed with pool_timeout (PoolTimeout)`
      : `requests wait for a connection: p99 ${fmtMs(wait)} in the pool`;
  const evidence = `pool.connections ${size ?? 'unlimited'}; waiting for a connection p99 ${fmtMs(wait)} vs time to first byte p50 ${fmtMs(typical)}; ${rps(p).toFixed(0)} req/s offered${need ? `, each holding a connection ${fmtMs(need.holdMs)} on average: ${need.busy.toFixed(0)} busy at once` : ''}`;
  // A pool with room for the load's own peak (or no limit at all) is not made better by more connections.
  if (size === null || peak <= size) {
    return {
      id: 'pool-exhaustion',
      severity: timeouts > 0 ? 'critical' : 'info',
      symptom,
      evidence: `${evidence}; this load needs about ${peak} at once, nearly always`,
      cause: 'The pool has room for this load, so the waits come from elsewhere: requests bunched (by a stalled load generator, or retries released together), or HTTP/2 connections still waiting for the server’s settings (each carries one request until they arrive).',
      fix: 'Not the pool size: see the other findings (the load generator, retries); for HTTP/2, open connections before the load (a warm-up).',
      metric: 'queue_wait.p(99)',
      change: null,
    };
  }
  const sized = sizedPool(p, r.load, true);
  const n = sized.connections as number;
  const c = change(p, changed(p, { 'pool.connections': n, ...(sized.maxIdle !== null ? { 'pool.maxIdle': sized.maxIdle } : {}) }));
  return {
    id: 'pool-exhaustion',
    severity: timeouts > 0 ? 'critical' : 'warning',
    symptom,
    evidence,
    cause: 'More requests are in flight than the pool has connections: the offered rate × how long each holds its connection exceeds the pool size, so requests queue for a connection and, past timeouts.pool, fail.',
    fix: `Set pool.connections to at least ${peak} (the 99.9% point of the connections busy at once at this load), e.g. ${n} for a server slower than in this run${c.settings['pool.maxIdle'] !== undefined ? `, and keep them when idle (pool.maxIdle ${c.settings['pool.maxIdle']})` : ''}${inClientTerms(c)}, or cap concurrency below the pool size.`,
    metric: 'queue_wait.p(99)',
    change: c,
  };
};
