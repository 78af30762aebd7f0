/**
 * Findings computed from a report: each names the symptom, the evidence (numbers from the report), the
 * likely cause and the fix as a concrete configuration change. Rules read only the report, so an old or
 * merged report is diagnosed like a fresh one.
 */
import { generatorSaturation } from './saturation.js';
import type { Finding, ProfileReport, Report } from '../runner/index.js';
import { keepAliveIn, poolSizeIn, readTimeoutIn } from './client-terms.js';
import { fmtMs } from './render/format.js';

import { connectionChurn, poolExhaustion, portExhaustion } from './rules-capacity.js';
import { diagnoseWire } from './rules-wire.js';
import { err, pct, rps, s, windowS, type Rule } from './rule-kit.js';

export { connectionsNeeded, poissonQuantile } from './rules-capacity.js';

const staleKeepAlive: Rule = (p) => {
  const stale = err(p, 'stale_connection');
  if (stale === 0) return null;
  const keepAlive = p.config.pool.keepAliveMs;
  return {
    id: 'stale-keepalive',
    severity: 'critical',
    symptom: `${stale} attempts failed on a reused connection the server had already closed (stale_connection: "other side closed", ECONNRESET)`,
    evidence: `pool.keepAliveMs ${keepAlive} ms (${p.config.pool.honorKeepAliveHint ? 'honours' : 'ignores'} the server's Keep-Alive hint); ${p.connections.reused} reuses, ${p.connections.closedByServer} closed by the server`,
    cause: "The client keeps idle connections longer than the server (or a load balancer in between) does: it reuses a socket the server has dropped, and the request dies before any response.",
    fix: `Set pool.keepAliveMs below the server's idle timeout (measure it with \`tailgate probe URL\`), e.g. ${Math.max(500, Math.floor(keepAlive / 4))} ms${keepAliveIn(p.preset, Math.max(500, Math.floor(keepAlive / 4)))}; and retry stale_connection, which is safe even for a POST: the close was already on its way when the request was written, so the server cannot have read it.`,
  };
};

const connectionReset: Rule = (p) => {
  const resets = err(p, 'connection_reset');
  if (resets === 0) return null;
  return {
    id: 'connection-reset',
    severity: resets > 0.01 * p.attempts.total ? 'critical' : 'warning',
    symptom: `${resets} attempts lost their connection after the request was sent (connection_reset)`,
    evidence: `${resets} resets or closes mid-exchange, ${p.connections.closedByServer} connections closed by the server, ${err(p, 'stale_connection')} stale (closed before the request could arrive)`,
    cause: 'The server, or something between, closed the connection after it had time to read the request: it crashed, restarted, or hit a limit mid-request. It may have processed the request.',
    fix: 'Retry only idempotent requests, or ones carrying an idempotency key the server honours: a retried POST may be done twice. Look at the server’s logs for restarts or limits at these times.',
  };
};

const abandonedRequests: Rule = (p) => {
  const abandoned = p.requests.abandoned ?? 0;
  if (abandoned === 0) return null;
  const timeouts = p.config.timeouts;
  const unbounded = timeouts.read === null && timeouts.attempt === null && timeouts.total === null;
  return {
    id: 'requests-abandoned',
    severity: 'critical',
    symptom: `${abandoned} requests (${pct(abandoned / Math.max(1, p.requests.total))}) were still waiting for an answer when the run stopped, and were abandoned`,
    evidence: `counted as failed (abandoned) and recorded at their age when abandoned, so the latency tail is a lower bound; timeouts: read ${timeouts.read ?? 'off'}, attempt ${timeouts.attempt ?? 'off'}, total ${timeouts.total ?? 'off'} ms`,
    cause: unbounded
      ? 'The server accepted these requests and never answered, and the client has no read, attempt or total timeout: in production each would hang its caller for good.'
      : 'The server had not answered these requests within the run’s grace period, and no client timeout had fired yet.',
    fix: unbounded
      ? 'Set timeouts.read (or timeouts.total) from the measured latency tail, so a request that will never be answered fails and can be retried.'
      : 'Lower timeouts.read or timeouts.total to below how long a caller can wait, or give the run a longer --grace if the answers were merely slow.',
  };
};

const timeoutsTooShort: Rule = (p) => {
  const timedOut = err(p, 'read_timeout') + err(p, 'attempt_timeout');
  if (timedOut === 0 || timedOut < 0.01 * p.attempts.total) return null;
  const read = p.config.timeouts.read ?? p.config.timeouts.attempt;
  const seen = p.ttfbMs?.max ?? null;
  const suggest = seen ? Math.ceil((seen * 3) / 1000) * 1000 : null;
  return {
    id: 'timeouts-too-short',
    severity: 'critical',
    symptom: `${timedOut} attempts (${pct(timedOut / p.attempts.total)}) timed out waiting for the response`,
    evidence: `timeouts.read ${read ?? 'off'} ms, timeouts.attempt ${p.config.timeouts.attempt ?? 'off'} ms; answers that arrived took up to ${fmtMs(seen)} to the first byte (p99 ${fmtMs(p.ttfbMs?.p99)})`,
    cause: "The read timeout is shorter than the model's own latency tail: slow answers are abandoned (and their work wasted), and retrying them adds load.",
    fix: `Raise timeouts.read above the latency tail${suggest ? `, e.g. ${suggest} ms${readTimeoutIn(p.preset, suggest)}` : ''}; set the timeout from the measured p99.9, not from a default.`,
  };
};

/**
 * A read timeout also bounds each gap between chunks: on a stream, a timeout sized for the first byte
 * cuts generations whose token gaps (a long prefill queue, a busy server) come near it.
 */
const readTimeoutVsTokenGaps: Rule = (p) => {
  const read = p.config.timeouts.read;
  const gaps = p.itlMs;
  if (read === null || !gaps || gaps.count === 0) return null;
  const timedOut = err(p, 'read_timeout');
  if (timedOut === 0 && gaps.max < 0.5 * read) return null;
  const suggest = Math.ceil((Math.max(gaps.max, p.ttftMs?.max ?? 0) * 3) / 1000) * 1000;
  return {
    id: 'read-timeout-vs-token-gaps',
    severity: timedOut > 0 ? 'critical' : 'warning',
    symptom: timedOut > 0 ? `${timedOut} streams were cut by the read timeout between tokens` : `gaps between tokens reach ${fmtMs(gaps.max)}, over half the read timeout`,
    evidence: `timeouts.read ${read} ms; inter-token gaps p99 ${fmtMs(gaps.p99)}, max ${fmtMs(gaps.max)}; time to first token p99 ${fmtMs(p.ttftMs?.p99)}`,
    cause: 'The read timeout applies to every gap between chunks of a stream, not only to the first byte: a server that pauses mid-generation (queueing, preemption) trips it and the whole generation is lost.',
    fix: `Raise timeouts.read above the longest gap a stream can have, e.g. ${suggest} ms${readTimeoutIn(p.preset, suggest)}, and bound the whole stream with timeouts.attempt instead.`,
  };
};

const timeoutsTooLong: Rule = (p) => {
  const read = p.config.timeouts.read ?? p.config.timeouts.attempt;
  const tail = p.ttfbMs?.p999 ?? null;
  if (read === null || tail === null || (p.ttfbMs?.count ?? 0) < 1000 || read < 60_000 || read < 100 * tail) return null;
  const suggest = Math.max(1000, Math.ceil((tail * 5) / 1000) * 1000);
  return {
    id: 'timeouts-too-long',
    severity: 'info',
    symptom: `timeouts.read is ${s(read)} while answers take at most ${fmtMs(p.ttfbMs?.max)}`,
    evidence: `time to first byte p99.9 ${fmtMs(tail)}; read timeout ${Math.round(read / tail)}x that`,
    cause: 'A hung request holds its connection (and its caller) for the whole timeout before anything can react, retry or hedge.',
    fix: `Consider timeouts.read ≈ ${suggest} ms (5x the p99.9), with retries for the rare slow answer.`,
  };
};

const retryStorm: Rule = (p) => {
  const ratio = p.attempts.primary > 0 ? p.attempts.retry / p.attempts.primary : 0;
  const denied = p.budgets.retry.denied;
  const c = { ...p.client, ...p.config.retry };
  if (ratio >= 0.3) {
    return {
      id: 'retry-storm',
      severity: 'critical',
      symptom: `${p.attempts.retry} retries for ${p.attempts.primary} requests (${ratio.toFixed(2)} per request)`,
      evidence: `maxRetries ${c.maxRetries}, retry budget ${pct(c.retryBudgetPct)} of requests, backoff from ${c.initialBackoffMs} ms; errors ${Object.entries(p.errors).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`,
      cause: 'Failed requests are retried faster and more often than the server recovers, so retries multiply the load on a struggling server (a retry storm).',
      fix: `Cap retries with a budget (retryBudgetPct 0.05–0.1), back off exponentially with jitter (initialBackoffMs ≥ 100), and honour Retry-After${c.maxRetries > 3 ? '; maxRetries 2–3 is plenty' : ''}.`,
    };
  }
  if (denied === 0) return null;
  return {
    id: 'retry-budget-spent',
    severity: 'info',
    symptom: `the retry budget held: ${denied} retries were not sent`,
    evidence: `${p.attempts.retry} retries sent for ${p.attempts.primary} requests; budget ${pct(c.retryBudgetPct)} of requests; ${p.requests.failed} requests failed`,
    cause: 'More requests failed than the budget allows retries for: the failures are not transient blips but a sustained condition (overload, a limit, an outage).',
    fix: 'Look at the errors themselves; raise retryBudgetPct only if the server can take the extra load.',
  };
};

const rateLimitedNoBackoff: Rule = (p) => {
  const limited = err(p, 'http_429');
  if (limited === 0 || limited < 0.01 * p.attempts.total) return null;
  const c = { ...p.client, ...p.config.retry };
  const ignoring = !c.honorRetryAfter || (p.attempts.retry > 0 && c.initialBackoffMs < 50);
  return {
    id: 'rate-limited',
    severity: ignoring ? 'critical' : 'warning',
    symptom: `${limited} attempts answered 429 Too Many Requests (${pct(limited / p.attempts.total)})`,
    evidence: `${rps(p).toFixed(0)} req/s sent; ${p.attempts.retry} retries; Retry-After ${c.honorRetryAfter ? 'honoured' : 'ignored'}; backoff from ${c.initialBackoffMs} ms`,
    cause: ignoring ? 'The client retries 429s at once, ignoring Retry-After, so it keeps hitting the limit it was told to wait out.' : 'The offered load is above the endpoint’s rate limit.',
    fix: ignoring
      ? 'Honour Retry-After (wait max(Retry-After, backoff)), back off with jitter, and keep retries within a budget.'
      : `Send at most the endpoint's limit (measure it with \`tailgate probe URL --find-rate-limit\`), or ask for a higher one; keep honouring Retry-After.`,
  };
};

const hedgingNotPaying: Rule = (p) => {
  const { issued, won, denied } = p.budgets.hedge;
  if (issued === 0 && denied === 0) return null;
  if (issued >= 20 && won < 0.1 * issued) {
    return {
      id: 'hedging-not-paying',
      severity: 'warning',
      symptom: `${issued} hedges sent, only ${won} won (${pct(won / issued)})`,
      evidence: `hedge delay ${p.client.hedgeDelayS !== undefined ? s(p.client.hedgeDelayS * 1000) : '–'}; time to first byte p50 ${fmtMs(p.ttfbMs?.p50)}, p99 ${fmtMs(p.ttfbMs?.p99)}`,
      cause: 'Hedges are sent for requests that were about to answer anyway: the delay is below the typical latency, so hedging adds load without cutting the tail.',
      fix: `Set hedgeDelayS near the p95 latency (≈ ${p.ttfbMs ? s(p.ttfbMs.p90 * 1.2) : 'the p95'}), so only the slow tail is hedged.`,
    };
  }
  if (denied > issued) {
    return {
      id: 'hedge-budget-spent',
      severity: 'info',
      symptom: `${denied} hedges were not sent: the hedge budget (${pct(p.client.hedgeBudgetPct)}) was spent`,
      evidence: `${issued} sent, ${won} won; hedge delay ${p.client.hedgeDelayS ?? '–'} s; p99 ${fmtMs(p.latencyMs?.p99)}`,
      cause: 'More requests are slower than the hedge delay than the budget allows: the delay is too short for this latency distribution.',
      fix: 'Raise hedgeDelayS towards the p95 latency, or raise hedgeBudgetPct if the extra load is acceptable.',
    };
  }
  return null;
};

const connectionRefused: Rule = (p) => {
  // With aiohttp's connect timeout (timeouts.acquire) a saturated pool also gives connect_timeout: the
  // pool finding explains those.
  const acquireMs = p.config.timeouts.acquire;
  const poolWaits = acquireMs != null && (p.queueWaitMs?.p99 ?? 0) >= 0.5 * acquireMs;
  const refused = err(p, 'connect_refused') + err(p, 'connect_error') + (poolWaits ? 0 : err(p, 'connect_timeout'));
  if (refused === 0) return null;
  return {
    id: 'connect-failures',
    severity: refused > 0.01 * p.attempts.total ? 'critical' : 'warning',
    symptom: `${refused} attempts could not connect (connection refused, unreachable or connect timeout)`,
    evidence: `connect_refused ${err(p, 'connect_refused')}, connect_error ${err(p, 'connect_error')}, connect_timeout ${err(p, 'connect_timeout')}; ${p.attempts.retry} retries; ${p.connections.opened} connections opened`,
    cause:
      p.connections.opened > 0.5 * p.attempts.total
        ? 'Every request opens a new connection, so every request meets the outage (or exhausts local ports); a pooled client would mostly reuse open connections.'
        : 'The server (or a proxy, or the network) refused or dropped new connections for a while.',
    fix: 'Retry connect failures with backoff (they are always safe: nothing was sent), keep connections pooled so fewer requests need a new one, and check the server’s availability and its connection limits.',
  };
};

const saturatedGenerator: Rule = (p) => {
  const why = generatorSaturation(p);
  if (why === null) return null;
  const loop = p.eventLoop;
  const lateRatio = p.requests.total > 0 ? p.requests.late / p.requests.total : 0;
  return {
    id: 'saturated-load-generator',
    severity: 'warning',
    symptom: `the load generator itself was overloaded (${why}): the numbers above are suspect`,
    evidence: `${loop ? `event-loop delay p99 ${fmtMs(loop.p99Ms)}, max ${fmtMs(loop.maxMs)}; ` : ''}${p.requests.late} of ${p.requests.total} requests (${pct(lateRatio)}) started more than 10 ms late`,
    cause: 'The machine running tailgate could not keep up (CPU, or the in-flight cap): its own delay adds to every latency it measures.',
    fix: 'Lower the rate or the number of profiles per run, raise load.maxInFlight if requests waited for it, or shard the run across machines (tailgate run --shard i/N on each, then tailgate merge).',
  };
};

export const RULES: Rule[] = [
  poolExhaustion,
  portExhaustion,
  connectionChurn,
  staleKeepAlive,
  timeoutsTooShort,
  readTimeoutVsTokenGaps,
  timeoutsTooLong,
  connectionReset,
  abandonedRequests,
  retryStorm,
  rateLimitedNoBackoff,
  hedgingNotPaying,
  connectionRefused,
  saturatedGenerator,
];

export function diagnose(profile: ProfileReport, report: Report): Finding[] {
  // A client observed by the proxy: its config is not known, only what it did on the wire.
  if (profile.wire) return diagnoseWire(profile, profile.wire);
  return RULES.map((rule) => rule(profile, report)).filter((f): f is Finding => f !== null);
}

/** Fill every profile's findings (a copy; the input is left as read). */
export function withFindings(report: Report): Report {
  return { ...report, profiles: report.profiles.map((p) => ({ ...p, findings: diagnose(p, report) })) };
}
