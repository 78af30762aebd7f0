/**
 * Findings about timeouts: too short for the latency tail (or a stream's token gaps), needlessly long,
 * or missing (requests abandoned). Every rule that suggests a read timeout suggests the same one
 * (readTimeoutFor), so two findings on one profile can never ask for two values.
 */
import { histogramOf, percentileUs } from '../metrics/index.js';
import type { FixSettings, ProfileReport } from './contract/report.js';
import { fmtMs } from './render/format.js';
import { change, err, inClientTerms, normalQuantile, pct, s, type Rule } from './rule-kit.js';

const ceilS = (ms: number) => Math.ceil(ms / 1000) * 1000;
const timedOutOf = (p: ProfileReport) => err(p, 'read_timeout') + err(p, 'attempt_timeout');

/**
 * Where the time to first byte's p99.9 lies. When a share f of attempts timed out at T, the answers
 * seen are cut at T: a log-normal through the median of all attempts (the answered ones' 50/(1-f)th
 * percentile) and through T (the 1-f point) puts the p99.9 beyond what was seen. More than half cut:
 * nothing to fit, ten times the timeout.
 */
export function ttfbTailMs(p: ProfileReport): number | null {
  const h = histogramOf(p, 'ttfb');
  const timedOut = timedOutOf(p);
  const limit = p.config.timeouts.read ?? p.config.timeouts.attempt;
  if (timedOut === 0 || limit === null) return h.totalCount ? percentileUs(h, 99.9) / 1000 : null;
  const f = timedOut / (timedOut + h.totalCount);
  if (f >= 0.5 || h.totalCount === 0) return 10 * limit;
  const median = percentileUs(h, (100 * 0.5) / (1 - f)) / 1000;
  const sigma = Math.log(limit / Math.max(median, 0.001)) / normalQuantile(1 - f);
  return median * Math.exp(normalQuantile(0.999) * Math.max(sigma, 0));
}

/** The read timeout every rule suggests: 3x the TTFB p99.9 (estimated past a timeout), and 3x a stream's longest pause; whole seconds. */
export function readTimeoutFor(p: ProfileReport): number {
  const gaps = Math.max(p.itlMs?.max ?? 0, p.ttftMs?.max ?? 0);
  return Math.max(1000, ceilS(3 * (ttfbTailMs(p) ?? 0)), ceilS(3 * gaps));
}

/** The timeout that fired (or, when none did, the read timeout) set to `ms`. */
function timeoutSettings(p: ProfileReport, ms: number): FixSettings {
  const t = p.config.timeouts;
  const out: FixSettings = {};
  if (err(p, 'read_timeout') > 0 || err(p, 'attempt_timeout') === 0) out['timeouts.read'] = ms;
  if (err(p, 'attempt_timeout') > 0) {
    if (t.attempt !== null) out['timeouts.attempt'] = Math.max(ms, t.attempt);
    else if (p.client.timeoutS !== undefined) out['client.timeoutS'] = Math.max(ms / 1000, p.client.timeoutS);
  }
  return out;
}

const SLOWER_NOT_FAILED = { metric: 'p(99)' as const, why: 'slow answers now arrive instead of failing at the timeout: the tail shows the latency the server really has, and none of its work is thrown away' };

export const timeoutsTooShort: Rule = (p) => {
  const timedOut = timedOutOf(p);
  const limit = p.config.timeouts.read ?? p.config.timeouts.attempt;
  if (timedOut === 0 || timedOut < 0.01 * p.attempts.total || limit === null) return null;
  const seen = p.ttfbMs?.max ?? null;
  // Every answer came long before the timeout: the ones that timed out were never coming (a stall), and
  // the timeout did its job.
  if (seen === null || seen < 0.5 * limit) return null;
  const suggest = readTimeoutFor(p);
  const c = change(p, timeoutSettings(p, suggest), [SLOWER_NOT_FAILED]);
  const tail = ttfbTailMs(p);
  return {
    id: 'timeouts-too-short',
    severity: 'critical',
    symptom: `${timedOut} attempts (${pct(timedOut / p.attempts.total)}) timed out waiting for the response`,
    evidence: `timeouts.read ${p.config.timeouts.read ?? 'off'} ms, timeouts.attempt ${p.config.timeouts.attempt ?? 'off'} ms; answers that arrived took up to ${fmtMs(seen)} to the first byte, right up to the timeout${tail !== null ? `; the tail they were cut from reaches about ${fmtMs(tail)} at p99.9 (a log-normal through the median and the share cut)` : ''}`,
    cause: "The timeout is shorter than the server's own latency tail: slow answers are abandoned (and their work wasted), and retrying them adds load.",
    fix: `Raise the timeout above the latency tail, e.g. ${suggest} ms${inClientTerms(c)}: about 3x the p99.9, not a default. The tail then shows in the latency instead of the errors.`,
    metric: 'timeout_share',
    change: c,
  };
};

/**
 * The timeout that bounds each gap between chunks: timeouts.read for a per-read clock (httpx, aiohttp),
 * timeouts.body for undici's two clocks (its headersTimeout ends when the headers are in).
 */
function gapTimeout(p: ProfileReport): { key: 'timeouts.read' | 'timeouts.body'; ms: number | null } {
  const t = p.config.timeouts;
  return p.config.behavior.readClock === 'headers-body' ? { key: 'timeouts.body', ms: t.body } : { key: 'timeouts.read', ms: t.read };
}

/**
 * The gap timeout also bounds each pause of a stream: sized for the first byte, it cuts generations whose
 * token gaps (a long prefill queue, a busy server) come near it.
 */
export const readTimeoutVsTokenGaps: Rule = (p) => {
  const { key, ms: limit } = gapTimeout(p);
  const gaps = p.itlMs;
  if (limit === null || !gaps || gaps.count === 0) return null;
  const timedOut = err(p, 'read_timeout');
  if (timedOut === 0 && gaps.max < 0.5 * limit) return null;
  const suggest = Math.max(readTimeoutFor(p), ceilS(2 * limit));
  const c = change(p, { [key]: suggest }, timedOut > 0 ? [SLOWER_NOT_FAILED] : []);
  return {
    id: 'read-timeout-vs-token-gaps',
    severity: timedOut > 0 ? 'critical' : 'warning',
    symptom: timedOut > 0 ? `${timedOut} streams were cut by the ${key} timeout between tokens` : `gaps between tokens reach ${fmtMs(gaps.max)}, over half of ${key}`,
    evidence: `${key} ${limit} ms; inter-token gaps p99 ${fmtMs(gaps.p99)}, max ${fmtMs(gaps.max)}; time to first token p99 ${fmtMs(p.ttftMs?.p99)}`,
    cause: `${key} applies to every gap between chunks of a stream, not only to the first byte: a server that pauses mid-generation (queueing, preemption) trips it and the whole generation is lost.`,
    fix: `Raise ${key} above the longest gap a stream can have, e.g. ${suggest} ms${inClientTerms(c)}, and bound the whole stream with timeouts.attempt instead.`,
    metric: 'read_timeout_margin',
    change: c,
  };
};

export const timeoutsTooLong: Rule = (p) => {
  const read = p.config.timeouts.read ?? p.config.timeouts.attempt;
  const tail = p.ttfbMs?.p999 ?? null;
  if (read === null || tail === null || timedOutOf(p) > 0 || (p.ttfbMs?.count ?? 0) < 1000 || read < 60_000 || read < 100 * tail) return null;
  // Hedges hide the tail a timeout guards against: a slow attempt that lost its race was cancelled before
  // its first byte, and its time is in no histogram. A timeout sized from what is left would cut it.
  if (p.budgets.hedge.issued > 0) return null;
  const suggest = readTimeoutFor(p);
  const c = change(p, { [p.config.timeouts.read !== null ? 'timeouts.read' : 'timeouts.attempt']: suggest });
  return {
    id: 'timeouts-too-long',
    severity: 'info',
    symptom: `timeouts.read is ${s(read)} while answers take at most ${fmtMs(p.ttfbMs?.max)}`,
    evidence: `time to first byte p99.9 ${fmtMs(tail)}; read timeout ${Math.round(read / tail)}x that`,
    cause: 'A hung request holds its connection (and its caller) for the whole timeout before anything can react, retry or hedge.',
    fix: `Consider a timeout of ${suggest} ms (about 3x the p99.9)${inClientTerms(c)}, with retries for the rare slow answer.`,
    metric: 'read_timeout_excess',
    change: c,
  };
};

export const abandonedRequests: Rule = (p) => {
  const abandoned = p.requests.abandoned ?? 0;
  if (abandoned === 0) return null;
  const timeouts = p.config.timeouts;
  const unbounded = timeouts.read === null && timeouts.attempt === null && timeouts.total === null;
  const suggest = readTimeoutFor(p);
  const c = unbounded ? change(p, { 'timeouts.read': suggest }) : null;
  return {
    id: 'requests-abandoned',
    severity: 'critical',
    symptom: `${abandoned} requests (${pct(abandoned / Math.max(1, p.requests.total))}) were still waiting for an answer when the run stopped, and were abandoned`,
    evidence: `counted as failed (abandoned) and recorded at their age when abandoned, so the latency tail is a lower bound; timeouts: read ${timeouts.read ?? 'off'}, attempt ${timeouts.attempt ?? 'off'}, total ${timeouts.total ?? 'off'} ms`,
    cause: unbounded
      ? 'The server accepted these requests and never answered, and the client has no read, attempt or total timeout: in production each would hang its caller for good.'
      : 'The server had not answered these requests within the run’s grace period, and no client timeout had fired yet.',
    fix: unbounded
      ? `Set a read timeout from the measured latency tail, e.g. ${suggest} ms${inClientTerms(c)}, so a request that will never be answered fails and can be retried.`
      : 'Not a setting tailgate can size: lower timeouts.read or timeouts.total below how long a caller can wait, or give the run a longer --grace if the answers were merely slow.',
    metric: 'abandoned_share',
    change: c,
  };
};
