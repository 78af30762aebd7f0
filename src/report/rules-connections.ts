/**
 * Findings about connections: reused ones the server had closed (stale), resets after sending, a new
 * connection per request (churn) and the local ports it empties, and connects that fail. A fix here
 * never asks for a longer keep-alive: only the server knows how long it keeps an idle connection, and a
 * keep-alive above that is the stale-connection bug.
 */
import type { FixSettings, ProfileReport, Report } from './contract/report.js';
import { CONNECT_CODES, keepAliveRace } from './finding-metrics.js';
import { fmtMs } from './render/format.js';
import { expectedPeak, poolQueues, sizedPool } from './rules-capacity.js';
import { change, changed, err, inClientTerms, pct, s, windowS, type Rule } from './rule-kit.js';

export const staleKeepAlive: Rule = (p) => {
  const { stale, resets } = keepAliveRace(p);
  if (stale + resets === 0) return null;
  const keepAlive = p.config.pool.keepAliveMs;
  // The server closed a connection idle this long: its idle timeout is shorter. Half of that, and a
  // quarter of today's expiry, leave room for a timeout anywhere below what was seen.
  const idle = p.reuse?.closedMinMs ?? null;
  const answered = p.reuse?.answeredMaxMs ?? null;
  const suggest = Math.max(100, Math.floor(Math.min(keepAlive / 4, idle !== null ? idle / 2 : Infinity) / 100) * 100);
  const c = change(p, { 'pool.keepAliveMs': suggest }, [
    { metric: 'p(99)', why: 'a request that met a dead connection failed at once; it now opens a new connection and is answered: a connect more on its latency' },
  ]);
  return {
    id: 'stale-keepalive',
    severity: 'critical',
    symptom: `${stale + resets} attempts failed on a reused connection the server had already closed (stale_connection${resets ? `, and connection_reset after an idle gap` : ''}: "other side closed", ECONNRESET)`,
    evidence: `pool.keepAliveMs ${keepAlive} ms (${p.config.pool.honorKeepAliveHint ? 'honours' : 'ignores'} the server's Keep-Alive hint); ${idle !== null ? `a connection idle only ${s(idle)} was already closed${answered !== null ? `, while one idle ${s(answered)} was answered` : ''}; ` : ''}${resets ? `${resets} of them reset after sending (a late reset, as a slow machine sees the race); ` : ''}${p.connections.reused} reuses, ${p.connections.closedByServer} closed by the server`,
    cause: 'The client keeps idle connections longer than the server (or a load balancer in between) does: it reuses a socket the server has dropped, and the request dies before any response.',
    fix: `Set pool.keepAliveMs below the server's idle timeout (measure it with \`tailgate probe URL\`), e.g. ${suggest} ms${inClientTerms(c)}; and retry stale_connection, which is safe even for a POST: the close was already on its way when the request was written, so the server cannot have read it.`,
    metric: 'stale_share',
    change: c,
  };
};

/** Seconds of the timeline in which any of these codes failed an attempt. */
const secondsWith = (p: ProfileReport, codes: readonly string[]) => new Set(p.timeline.filter((r) => codes.some((c) => (r.errorsByCode?.[c] ?? 0) > 0)).map((r) => r.t));

export const connectionReset: Rule = (p) => {
  // Resets of the dead keep-alive race are the stale-keepalive finding's.
  const resets = err(p, 'connection_reset') - keepAliveRace(p).resets;
  if (resets <= 0) return null;
  // Resets in the seconds connects were refused: the listener went away, resetting the connections it
  // had not yet accepted. The outage is the cause, and its own finding says so.
  const refused = secondsWith(p, CONNECT_CODES);
  const inOutage = refused.size > 0 && [...secondsWith(p, ['connection_reset'])].every((t) => refused.has(t) || refused.has(t - 1) || refused.has(t + 1));
  return {
    id: 'connection-reset',
    severity: resets > 0.01 * p.attempts.total && !inOutage ? 'critical' : 'warning',
    symptom: `${resets} attempts lost their connection after the request was sent (connection_reset)`,
    evidence: `${resets} resets or closes mid-exchange, ${p.connections.closedByServer} connections closed by the server, ${err(p, 'stale_connection')} stale (closed before the request could arrive)${inOutage ? '; all in the seconds new connections were refused' : ''}`,
    cause: `${inOutage ? 'The server’s listener went away (connects were refused at the same time): connections it had not yet accepted were reset. ' : ''}The server, or something between, closed the connection after it had time to read the request: it crashed, restarted, or hit a limit mid-request. It may have processed the request.`,
    fix: 'Not a client setting: look at the server’s logs for restarts or limits at these times. Retry only idempotent requests, or ones carrying an idempotency key the server honours: a retried POST may be done twice.',
    metric: 'reset_share',
    change: null,
  };
};

/** Why connections were not kept, and the setting that keeps them (null when only the server can). */
interface ChurnCause {
  cause: string;
  settings: FixSettings | null;
  fix: string;
}

/**
 * From how the connections closed (the engine's reasons; older reports: estimated): a client per request,
 * an idle cap below the concurrency, the server closing them, or idle expiry between requests.
 */
export function churnCause(p: ProfileReport, load: Report['load']): ChurnCause {
  const maxIdle = p.config.pool.maxIdle;
  // The pool finding sizes the pool with the same function: their settings agree.
  const sized = sizedPool(p, load, poolQueues(p));
  if (p.config.pool.mode === 'per-request') {
    return {
      cause: 'A new client per request (pool.mode per-request): each opens, uses once and closes its own connection.',
      // One client, keeping as many idle connections as the load needs at once.
      settings: { 'pool.mode': 'shared', ...(maxIdle !== null && sized.maxIdle !== null && sized.maxIdle > maxIdle ? { 'pool.maxIdle': sized.maxIdle } : {}) },
      fix: 'Create one client at start-up and reuse it for every request (pool.mode: shared)',
    };
  }
  const opened = Math.max(1, p.connections.opened);
  const reasons = p.closeReasons;
  const peak = expectedPeak(p, load);
  // An idle cap the load never needed more than (closes of a stalled generator's bunched requests) is
  // not the setting to change.
  const idleCapped = reasons ? (reasons['max-idle'] ?? 0) >= 0.25 * opened : maxIdle !== null && peak > maxIdle;
  if (idleCapped && maxIdle !== null && sized.maxIdle !== null && sized.maxIdle > maxIdle) {
    return {
      cause: `Connections beyond pool.maxIdle (${maxIdle}) are closed as soon as they go idle, and reopened at the next peak: this load puts up to ${peak} requests in flight at once.`,
      settings: { 'pool.maxIdle': sized.maxIdle, ...(sized.connections !== p.config.pool.connections ? { 'pool.connections': sized.connections } : {}) },
      fix: `Keep as many idle connections as a peak needs: pool.maxIdle ${sized.maxIdle}`,
    };
  }
  if ((reasons?.aborted ?? 0) >= 0.25 * opened) {
    return {
      cause: `${reasons?.aborted} connections were closed to cancel a request: an HTTP/1.1 request can only be cancelled by closing its connection, and every hedge race's loser is cancelled.`,
      settings: null,
      fix: 'See the hedging findings: a later hedge loses fewer races; over HTTP/2 a cancelled request closes only its stream',
    };
  }
  if (idleCapped && maxIdle !== null) {
    return {
      cause: `Connections beyond pool.maxIdle (${maxIdle}) were closed when they went idle, at peaks above what this load puts in flight (${peak} at once, nearly always): the requests came bunched, by retries released together (a shared Retry-After) or by a stalled load generator.`,
      settings: null,
      fix: 'If such peaks are your traffic’s, raise pool.maxIdle to them; if they come from retries, spread them (jittered backoff)',
    };
  }
  if (p.connections.closedByServer >= 0.5 * opened) {
    return {
      cause: `The server closed ${p.connections.closedByServer} of ${p.connections.opened} connections: it closes after a number of requests, after each error, or when idle.`,
      settings: null,
      fix: 'Not a client setting: check the server’s (or load balancer’s) keep-alive: its requests per connection, whether it answers errors with Connection: close, its idle timeout (`tailgate probe URL`)',
    };
  }
  return {
    cause: `Idle connections expire (pool.keepAliveMs ${p.config.pool.keepAliveMs} ms) before the next request needs them.`,
    settings: null,
    fix: 'Raise pool.keepAliveMs only if the server keeps idle connections longer (measure its idle timeout with `tailgate probe URL`): never above it, or reused connections turn stale',
  };
}

export const connectionChurn: Rule = (p, r) => {
  const attempts = p.attempts.total;
  if (attempts < 50 || p.connections.opened < 0.5 * attempts) return null;
  const perSecond = p.connections.opened / windowS(p);
  const why = churnCause(p, r.load);
  // Churn only the server can stop, at a few connections a second, costs little: not worth a word.
  if (why.settings === null && perSecond < 20) return null;
  const c = why.settings ? change(p, changed(p, why.settings)) : null;
  return {
    id: 'connection-churn',
    severity: why.settings === null ? 'info' : perSecond > 100 ? 'critical' : 'warning',
    symptom: `a new connection for ${pct(p.connections.opened / attempts)} of attempts (${p.connections.opened} opened, ${p.connections.reused} reused)`,
    evidence: `${perSecond.toFixed(0)} connections/s; connect p50 ${fmtMs(p.connectMs?.p50)} added to each; ${portsInUse(p, perSecond)}${p.closeReasons ? `; closed: ${closeReasonsText(p.closeReasons)}` : ''}`,
    cause: why.cause,
    fix: `${why.fix}${inClientTerms(c)}.`,
    metric: 'new_connection_share',
    change: c,
  };
};

const closeReasonsText = (reasons: Record<string, number>) =>
  Object.entries(reasons)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'none yet';

/** Local ports a profile churned through: measured (the mock saw them) when it can be, else estimated, and said which. */
function portsInUse(p: ProfileReport, perSecond: number): string {
  const budget = p.config.pool.localPorts;
  const seen = p.server?.connections.byRemotePort ? Object.keys(p.server.connections.byRemotePort).length : null;
  const holdS = (p.config.pool.portHoldMs ?? 60_000) / 1000;
  const against = budget ? `a budget of ${budget.to - budget.from + 1} (pool.localPorts ${budget.from}-${budget.to})` : '~28,000 ephemeral ports';
  if (seen !== null) return `${seen} distinct local ports used (measured: the server saw them), each held ${holdS} s after close, against ${against}`;
  return `at this rate ~${Math.round(perSecond * holdS)} ports sit in TIME_WAIT (${holdS} s; an estimate: the server's view is not in this report) against ${against}`;
}

export const portExhaustion: Rule = (p, r) => {
  const exhausted = err(p, 'port_exhausted');
  if (exhausted === 0) return null;
  const perSecond = p.connections.opened / windowS(p);
  const why = churnCause(p, r.load);
  const c = why.settings ? change(p, changed(p, why.settings)) : null;
  return {
    id: 'port-exhaustion',
    severity: 'critical',
    symptom: `${exhausted} connects found no free local port (port_exhausted): requests fail as behind a NAT gateway out of ports, or a client out of ephemeral ports`,
    evidence: `${perSecond.toFixed(0)} new connections/s; ${portsInUse(p, perSecond)}`,
    cause: `Every new connection takes a local port, and a closed one keeps it (TIME_WAIT, or the NAT gateway's hold) for a minute: churning connections faster than ports free up empties the budget. ${why.cause}`,
    fix: `Reuse connections: ${why.fix.charAt(0).toLowerCase()}${why.fix.slice(1)}${inClientTerms(c)}; where a NAT gateway is the limit, a larger port budget or more NAT IPs.`,
    metric: 'port_exhausted_share',
    change: c,
  };
};

/** How long connects failed: the seconds of the timeline from the first with a connect failure to the last. */
function outageMs(p: ProfileReport): number {
  const seconds = [...secondsWith(p, CONNECT_CODES)];
  return seconds.length ? (Math.max(...seconds) - Math.min(...seconds) + 1) * 1000 : 1000;
}

export const connectFailures: Rule = (p) => {
  // With aiohttp's connect timeout (timeouts.acquire) a saturated pool also gives connect_timeout: the
  // pool finding explains those.
  const acquireMs = p.config.timeouts.acquire;
  const poolWaits = acquireMs != null && (p.queueWaitMs?.p99 ?? 0) >= 0.5 * acquireMs;
  const refused = err(p, 'connect_refused') + err(p, 'connect_error') + (poolWaits ? 0 : err(p, 'connect_timeout'));
  if (refused === 0) return null;
  const failed = CONNECT_CODES.reduce((t, c) => t + (p.requestErrors?.[c] ?? 0), 0);
  const counts = `connect_refused ${err(p, 'connect_refused')}, connect_error ${err(p, 'connect_error')}, connect_timeout ${err(p, 'connect_timeout')}`;
  const outage = outageMs(p);
  if (failed <= 0.01 * p.requests.total) {
    return {
      id: 'outage-ridden-out',
      severity: 'info',
      symptom: `${refused} connects failed over about ${s(outage)}, and retries rode them out: ${failed} requests failed connecting`,
      evidence: `${counts}; ${p.attempts.retry} retries; ${p.connections.opened} connections opened`,
      cause: 'The server (or a proxy, or the network) refused or dropped new connections for a while; the client’s retries waited it out.',
      fix: 'Nothing to change in the client: check the server’s availability at these times (deploys, restarts, its connection limits).',
      metric: 'connect_failed_share',
      change: null,
    };
  }
  // Retries that cover the outage: full-jitter backoff from b waits about b(2^n - 1)/2 over n retries;
  // every request in the outage retries, so the budget must allow that many retries per request.
  const backoff = Math.max(250, p.config.retry.initialBackoffMs);
  const retries = Math.max(p.config.retry.maxRetries, Math.ceil(Math.log2((2 * outage) / backoff + 1)));
  const budget = Math.min(3, Math.max(p.client.retryBudgetPct, Math.ceil((failed / p.requests.total) * retries * 10) / 10));
  const c = change(
    p,
    changed(p, { 'retry.maxRetries': retries, 'retry.initialBackoffMs': backoff, 'retry.maxBackoffMs': Math.max(p.config.retry.maxBackoffMs, backoff), 'client.retryBudgetPct': budget }),
    [{ metric: 'p(99)', why: `a request that meets the outage now waits it out (about ${s(outage)}) instead of failing: it is slower, and it succeeds` }],
  );
  return {
    id: 'connect-failures',
    severity: 'critical',
    symptom: `${failed} requests (${pct(failed / Math.max(1, p.requests.total))}) failed because connects failed (connection refused, unreachable or connect timeout), over about ${s(outage)}`,
    evidence: `${counts}; ${p.attempts.retry} retries (retry.maxRetries ${p.config.retry.maxRetries}); ${p.connections.opened} connections opened`,
    cause: `The server (or a proxy, or the network) refused or dropped new connections for a while${p.config.pool.mode === 'per-request' ? ', and every request opens a new connection, so every request in that time met it' : ''}; ${
      p.config.retry.maxRetries === 0 ? 'nothing retried them' : `its retries (up to ${p.config.retry.maxRetries}, within a budget of ${pct(p.client.retryBudgetPct)} of requests) gave up before it ended`
    }.`,
    fix: `Retry connect failures with backoff, long enough to outlast the outage: retry.maxRetries ${retries} from ${backoff} ms, with a retry budget of ${pct(budget)} of requests${inClientTerms(c)}. A failed connect sent nothing, so its retry is always safe. Check the server’s availability at these times too.`,
    metric: 'connect_failed_share',
    change: c,
  };
};
