/**
 * Findings about capacity: the pool (too small for rate × hold), the local ports (a budget emptied by
 * churn), and the churn itself (a new connection per request).
 */
import type { ProfileReport } from './contract/report.js';
import { poolSizeIn } from './client-terms.js';
import { fmtMs } from './render/format.js';
import { err, pct, rps, s, windowS, type Rule } from './rule-kit.js';

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

export const poolExhaustion: Rule = (p) => {
  // aiohttp's connect timeout (timeouts.acquire) covers the wait for a pool slot: its timeouts are pool waits too.
  const acquire = p.config.timeouts.acquire != null ? err(p, 'connect_timeout') : 0;
  const timeouts = err(p, 'pool_timeout') + acquire;
  const wait = p.queueWaitMs?.p99 ?? 0;
  const typical = p.ttfbMs?.p50 ?? p.latencyMs?.p50 ?? 0;
  if (timeouts === 0 && !(wait > 10 && wait > 0.2 * typical)) return null;
  const need = connectionsNeeded(p);
  const size = p.config.pool.connections;
  const n = need?.connections;
  return {
    id: 'pool-exhaustion',
    severity: timeouts > 0 ? 'critical' : 'warning',
    symptom:
      timeouts > 0
        ? acquire > 0
          ? `${timeouts} attempts failed waiting for a connection (connect_timeout: aiohttp's connect timeout covers the wait for a pool slot)`
          : `${timeouts} attempts failed with pool_timeout (PoolTimeout)`
        : `requests wait for a connection: p99 ${fmtMs(wait)} in the pool`,
    evidence: `pool.connections ${size ?? 'unlimited'}; waiting for a connection p99 ${fmtMs(wait)} vs time to first byte p50 ${fmtMs(typical)}; ${rps(p).toFixed(0)} req/s offered${need ? `, each holding a connection ${fmtMs(need.holdMs)} on average: ${need.busy.toFixed(0)} busy at once` : ''}`,
    cause: 'More requests are in flight than the pool has connections: the offered rate × how long each holds its connection exceeds the pool size, so requests queue for a connection and, past timeouts.pool, fail.',
    fix: `Set pool.connections to at least ${n ?? 'rate × connection hold time'}${need ? ' (the 99.9% point of the connections busy at once at this rate)' : ''} ${poolSizeIn(p.preset, n ?? 'N')}, or cap concurrency below the pool size.`,
  };
};

/** Local ports a profile churned through: measured (the mock saw them) when it can be, else estimated, and said which. */
function portsInUse(p: ProfileReport, perSecond: number): string {
  const budget = p.config.pool.localPorts;
  const seen = p.server?.connections.byRemotePort ? Object.keys(p.server.connections.byRemotePort).length : null;
  const holdS = (p.config.pool.portHoldMs ?? 60_000) / 1000;
  const against = budget ? `a budget of ${budget.to - budget.from + 1} (pool.localPorts ${budget.from}-${budget.to})` : '~28,000 ephemeral ports';
  if (seen !== null) return `${seen} distinct local ports used (measured: the server saw them), each held ${holdS} s after close, against ${against}`;
  return `at this rate ~${Math.round(perSecond * holdS)} ports sit in TIME_WAIT (${holdS} s; an estimate: the server's view is not in this report) against ${against}`;
}

export const portExhaustion: Rule = (p) => {
  const exhausted = err(p, 'port_exhausted');
  if (exhausted === 0) return null;
  const perSecond = p.connections.opened / windowS(p);
  return {
    id: 'port-exhaustion',
    severity: 'critical',
    symptom: `${exhausted} connects found no free local port (port_exhausted): requests fail as behind a NAT gateway out of ports, or a client out of ephemeral ports`,
    evidence: `${perSecond.toFixed(0)} new connections/s; ${portsInUse(p, perSecond)}`,
    cause: 'Every new connection takes a local port, and a closed one keeps it (TIME_WAIT, or the NAT gateway\'s hold) for a minute: churning connections faster than ports free up empties the budget.',
    fix: `Reuse connections: one client for the process (pool.mode shared), a pool sized for the load, keep-alive expiry below the server's idle timeout (so connections are not dropped and reopened); where a NAT gateway is the limit, a larger port budget or more NAT IPs.`,
  };
};

export const connectionChurn: Rule = (p) => {
  const attempts = p.attempts.total;
  if (attempts < 50 || p.connections.opened < 0.5 * attempts) return null;
  const perSecond = p.connections.opened / windowS(p);
  const perRequest = p.config.pool.mode === 'per-request';
  return {
    id: 'connection-churn',
    severity: perRequest || perSecond > 100 ? 'critical' : 'warning',
    symptom: `a new connection for ${pct(p.connections.opened / attempts)} of attempts (${p.connections.opened} opened, ${p.connections.reused} reused)`,
    evidence: `${perSecond.toFixed(0)} connections/s; connect p50 ${fmtMs(p.connectMs?.p50)} added to each; ${portsInUse(p, perSecond)}`,
    cause: perRequest
      ? 'A new client per request (pool.mode per-request): each opens, uses once and closes its own connection.'
      : 'Connections are not kept: keep-alive is off or expires too soon, pool.maxIdle is too small, or the server closes them.',
    fix: perRequest
      ? 'Create one client at start-up and reuse it for every request (pool.mode: shared); in Python, one httpx.Client for the process.'
      : `Keep connections: pool.keepAliveMs above the gap between requests (now ${p.config.pool.keepAliveMs} ms) and pool.maxIdle at least your concurrency (now ${p.config.pool.maxIdle ?? 'all'}).`,
  };
};

