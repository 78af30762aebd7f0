/**
 * Findings about the extra attempts a client sends: retries that storm a struggling server, a retry
 * budget that held, 429s met without waiting, and hedges that do not pay. The storm and the 429 finding
 * ask for the same change (calmRetries), so they never contradict each other.
 */
import { histogramOf, percentileUs } from '../metrics/index.js';
import { DEFAULT_BUDGET_FLOOR } from '../engine/index.js';
import type { FindingChange, ProfileReport } from './contract/report.js';
import { fmtMs } from './render/format.js';
import { generatorSaturation, SATURATED_LOOP_P99_MS } from './saturation.js';
import { change, changed, err, inClientTerms, pct, rps, s, settingsText, type Rule } from './rule-kit.js';

/** Retries that wait (backoff, Retry-After), within a budget, a few at most: the fix for a storm and for 429s met at once. */
function calmRetries(p: ProfileReport): FindingChange {
  const r = p.config.retry;
  const backoff = Math.max(r.initialBackoffMs, 250);
  return change(
    p,
    changed(p, {
      'retry.initialBackoffMs': backoff,
      'retry.maxBackoffMs': Math.max(r.maxBackoffMs, 10 * backoff),
      'retry.honorRetryAfter': true,
      'retry.maxRetries': Math.min(r.maxRetries, 3),
      'client.retryBudgetPct': Math.min(p.client.retryBudgetPct, 0.1),
      'client.budgetFloor': Math.min(p.client.budgetFloor, DEFAULT_BUDGET_FLOOR),
    }),
    [
      {
        metric: 'error_rate',
        why: 'fewer retries: some requests the server turns away now fail instead of being retried into more refusals; each retry sent without waiting only added load the server could not serve',
      },
      { metric: 'p(99)', why: 'a retried request now waits for Retry-After or its backoff before trying again: slower, and without hammering the server meanwhile' },
    ],
  );
}

const attemptsPerRequest = (p: ProfileReport) => (p.requests.total > 0 ? p.attempts.total / p.requests.total : 0);

/** Retries that do not wait: no backoff to speak of, or 429s retried past their Retry-After. */
const retriesAtOnce = (p: ProfileReport) => p.config.retry.initialBackoffMs < 50 || (!p.config.retry.honorRetryAfter && err(p, 'http_429') > 0);

export const retryStorm: Rule = (p) => {
  const ratio = p.attempts.primary > 0 ? p.attempts.retry / p.attempts.primary : 0;
  const denied = p.budgets.retry.denied;
  const r = p.config.retry;
  if (ratio >= 0.3 && retriesAtOnce(p)) {
    const c = calmRetries(p);
    return {
      id: 'retry-storm',
      severity: 'critical',
      symptom: `${p.attempts.retry} retries for ${p.attempts.primary} requests (${ratio.toFixed(2)} per request), sent without waiting`,
      evidence: `retry.maxRetries ${r.maxRetries}, backoff from ${r.initialBackoffMs} ms, Retry-After ${r.honorRetryAfter ? 'honoured' : 'ignored'}, retry budget ${pct(p.client.retryBudgetPct)} of requests (floor ${p.client.budgetFloor}); ${attemptsPerRequest(p).toFixed(1)} attempts per request; ${p.requests.failed} of ${p.requests.total} requests failed even so; errors ${Object.entries(p.errors).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`,
      cause: 'Failed requests are retried at once and often, faster than the server recovers: every retry adds to the load that made it fail (a retry storm). A lower failure share bought this way costs the server several attempts per request.',
      fix: `Retry within a budget, backing off with jitter and honouring Retry-After: ${settingsText(c.settings)}${inClientTerms(c)}. A trade-off: some requests the storm squeezed through now fail, at once and without loading the server.`,
      metric: 'retry_rate',
      change: c,
    };
  }
  if (denied === 0) return null;
  return {
    id: 'retry-budget-spent',
    severity: 'info',
    symptom: `the retry budget held: ${denied} retries were not sent`,
    evidence: `${p.attempts.retry} retries sent for ${p.attempts.primary} requests; budget ${pct(p.client.retryBudgetPct)} of requests; ${p.requests.failed} requests failed`,
    cause: 'More requests failed than the budget allows retries for: the failures are not transient blips but a sustained condition (overload, a limit, an outage), and the budget kept retries from adding to it.',
    fix: 'Look at the errors themselves (the other findings); raise client.retryBudgetPct only if the server can take the extra load.',
    metric: 'retry_rate',
    change: null,
  };
};

/** 2xx answers per second of the work: what the server served, whatever was asked. */
function servedPerSecond(p: ProfileReport): number | null {
  const ok = Object.entries(p.statuses).reduce((t, [code, n]) => t + (code.startsWith('2') ? n : 0), 0);
  const ms = p.work?.ms ?? p.durationMs;
  return ms > 0 ? (ok * 1000) / ms : null;
}

/** 429s answered to at least 1% of attempts. */
const limitedShare = (p: ProfileReport) => (p.attempts.total > 0 ? err(p, 'http_429') / p.attempts.total : 0);

/** The client's part of a 429 problem: it retries them at once, ignoring Retry-After. */
export const retriedAtOnce: Rule = (p) => {
  const limited = err(p, 'http_429');
  // A handful of retries (a tight budget) adds little to the limit's load: the over-rate-limit finding speaks of the 429s.
  if (limitedShare(p) < 0.01 || p.attempts.retry < 0.05 * p.attempts.primary || !retriesAtOnce(p)) return null;
  const c = calmRetries(p);
  return {
    id: 'rate-limit-retried-at-once',
    severity: 'critical',
    symptom: `${limited} attempts answered 429 Too Many Requests (${pct(limitedShare(p))}), retried without waiting for Retry-After`,
    evidence: `${p.attempts.retry} retries (${attemptsPerRequest(p).toFixed(1)} attempts per request); Retry-After ${p.config.retry.honorRetryAfter ? 'honoured' : 'ignored'}; backoff from ${p.config.retry.initialBackoffMs} ms`,
    cause: 'The client retries 429s at once, ignoring Retry-After, so it keeps hitting the limit it was told to wait out.',
    fix: `Honour Retry-After (wait max(Retry-After, backoff)), back off with jitter, and keep retries within a budget: ${settingsText(c.settings)}${inClientTerms(c)}.`,
    metric: 'rate_limited_share',
    change: c,
  };
};

/** The load's part: more is offered than the endpoint's limit lets through, whatever the client does. */
export const overRateLimit: Rule = (p) => {
  const limited = err(p, 'http_429');
  if (limitedShare(p) < 0.01) return null;
  const served = servedPerSecond(p);
  const over = served !== null && served < rps(p) ? 1 - served / rps(p) : null;
  return {
    id: 'over-rate-limit',
    severity: 'warning',
    symptom: `${limited} attempts answered 429 Too Many Requests (${pct(limitedShare(p))}): the load is above the endpoint's rate limit`,
    evidence: `${rps(p).toFixed(0)} req/s offered; the server answered ${served === null ? '–' : served.toFixed(0)} 2xx/s over the work; ${p.requests.failed} of ${p.requests.total} requests failed; ${attemptsPerRequest(p).toFixed(1)} attempts per request`,
    cause: `The offered load is above the endpoint’s rate limit${over !== null ? `: about ${pct(over)} of the requests cannot be served at this rate, whatever the client does` : ''}. Retries that wait for Retry-After within a budget fail that excess rather than multiplying attempts: a client that retries at once may fail fewer requests, for several times the attempts, which the server (and its other callers) pay for.`,
    fix: "Not a client setting: send at most the endpoint's limit (measure it with `tailgate probe URL --find-rate-limit`), spread or shed the load, or ask for a higher limit; keep honouring Retry-After.",
    metric: 'rate_limited_share',
    change: null,
  };
};

/** Hedge where the slow tail begins: the p95 of the time to first byte, and never sooner than twice today's delay. */
function hedgeDelayFor(p: ProfileReport): number {
  const h = histogramOf(p, 'ttfb');
  const p95 = h.totalCount ? percentileUs(h, 95) / 1_000_000 : 0;
  return Math.round(Math.max(p95, 2 * (p.client.hedgeDelayS ?? 0)) * 1000) / 1000;
}

export const hedgingNotPaying: Rule = (p) => {
  const { issued, won, denied } = p.budgets.hedge;
  if (issued === 0 && denied === 0) return null;
  const delay = p.client.hedgeDelayS;
  const suggest = hedgeDelayFor(p);
  // A load generator whose event loop lagged put its delay in every time it measured: a hedge delay from
  // them would be too late to hedge anything. No change is given from such a run (a few late starts are
  // not that: they delay requests, not the times measured once they are sent).
  const saturated = (p.eventLoop?.p99Ms ?? 0) >= SATURATED_LOOP_P99_MS ? generatorSaturation(p) : null;
  const c = saturated ? null : change(p, changed(p, { 'client.hedgeDelayS': suggest }));
  const how = saturated
    ? `rerun on a quieter machine before changing the hedge delay: this run's times include the load generator's own delay (${saturated})`
    : `client.hedgeDelayS ${suggest} (${fmtMs(suggest * 1000)}, the p95 time to first byte)${inClientTerms(c)}`;
  // Not paying: few hedges win, or hedges go out for a large share of requests before the typical answer came.
  const typicalMs = p.ttfbMs?.p50 ?? null;
  const early = delay !== undefined && typicalMs !== null && delay * 1000 < typicalMs && issued > 0.2 * p.attempts.primary;
  if (issued >= 20 && (won < 0.1 * issued || early)) {
    return {
      id: 'hedging-not-paying',
      severity: 'warning',
      symptom: `${issued} hedges sent for ${p.attempts.primary} requests (${pct(issued / Math.max(1, p.attempts.primary))}), only ${won} won (${pct(won / issued)})`,
      evidence: `hedge delay ${delay !== undefined ? s(delay * 1000) : '–'}; time to first byte p50 ${fmtMs(p.ttfbMs?.p50)}, p99 ${fmtMs(p.ttfbMs?.p99)}; ${p.lostRaces ?? 0} attempts cancelled when a sibling won (not failures)`,
      cause: 'Hedges are sent for requests that were about to answer anyway: the delay is below the typical latency, so hedging adds load without cutting the tail.',
      fix: `Hedge only the slow tail: ${how}.`,
      metric: 'hedge_win_share',
      change: c,
    };
  }
  if (denied > issued) {
    return {
      id: 'hedge-budget-spent',
      severity: 'info',
      symptom: `${denied} hedges were not sent: the hedge budget (${pct(p.client.hedgeBudgetPct)}) was spent`,
      evidence: `${issued} sent, ${won} won; hedge delay ${delay !== undefined ? s(delay * 1000) : '–'}; p99 ${fmtMs(p.latencyMs?.p99)}`,
      cause: 'More requests are slower than the hedge delay than the budget allows: the delay is too short for this latency distribution.',
      fix: `Raise the hedge delay towards the p95 time to first byte: ${how}; or raise client.hedgeBudgetPct if the extra load is acceptable.`,
      metric: 'hedge_denied_share',
      change: c,
    };
  }
  return null;
};
