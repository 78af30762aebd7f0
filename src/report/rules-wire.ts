/**
 * Findings about a real client, from what `tailgate proxy` saw on the wire (a profile's `wire` section):
 * a client built per request, a pool limit with requests queued behind it, idle connections kept past
 * the upstream's idle timeout, retries that multiply or ignore Retry-After, hedges and their cost. Each
 * fix is written in the client's own syntax when its User-Agent named it (the profile's preset).
 */
import { PRESETS, type PresetName } from '../engine/index.js';
import { retriesIn, sharedClientIn } from './client-terms.js';
import type { FixSettings, ProfileReport } from './contract/report.js';
import type { WireSection } from './contract/wire.js';
import { fmtMs } from './render/format.js';
import { change, inClientTerms, pct, s, type Rule } from './rule-kit.js';

type WireRule = (p: ProfileReport, w: WireSection) => ReturnType<Rule>;

const requestsOf = (p: ProfileReport) => p.requests.total;

const clientPerRequest: WireRule = (p, w) => {
  const c = w.connections;
  const requests = requestsOf(p);
  const churn = c.openedWhileIdle + c.openedAfterOwnClose;
  if (c.opened < 4 || requests > 1.5 * c.opened || churn < Math.max(3, 0.5 * (c.opened - 1))) return null;
  return {
    id: 'client-per-request',
    severity: 'critical',
    symptom: `${c.opened} connections for ${requests} requests: a new connection for nearly every request`,
    evidence: `${c.servedOne} connections served exactly one request; ${c.openedAfterOwnClose} were opened within a second of the client closing one of its own right after its answer, ${c.openedWhileIdle} while another of its connections sat idle and open (a pooled client would have reused it)`,
    cause: 'The client (and so its connection pool) is built for each request and thrown away: every request pays a new TCP (and TLS) handshake, and under load the local ports and the server’s accept queue run out (connection refused, PoolTimeout, port exhaustion).',
    fix: `Build the client once and share it: ${sharedClientIn(p.preset)}.`,
    metric: 'new_connection_share',
    change: change(p, { 'pool.mode': 'shared' }),
  };
};

/** The pool timeout the client's library applies by default, and how (from its preset). */
function poolTimeoutOf(preset: string | null): { ms: number | null; perWait: boolean } {
  const config = preset && preset in PRESETS ? PRESETS[preset as PresetName].config : null;
  if (!config) return { ms: null, perWait: false };
  return { ms: config.timeouts.pool ?? config.timeouts.acquire ?? config.timeouts.total, perWait: config.behavior.poolTimeout === 'per-wait' };
}

const poolPlateau: WireRule = (p, w) => {
  const plateau = w.plateau;
  // One connection taken again at once is a program sending one request after another: not a pool limit.
  if (!plateau || plateau.connections < 2 || plateau.connections < w.connections.maxOpen || plateau.backToBack < 2 * plateau.connections) return null;
  const n = plateau.connections;
  const latency = p.latencyMs;
  const demand = n + plateau.backToBack;
  const { ms: poolMs, perWait } = poolTimeoutOf(p.preset);
  const fix = change(p, { 'pool.connections': demand } satisfies FixSettings);
  const heading =
    poolMs === null
      ? 'it has no pool timeout: queued requests wait as long as it takes, and their callers with them'
      : perWait
        ? `its pool timeout (${s(poolMs)}) is re-armed whenever a connection frees, so PoolTimeout comes once a single answer takes longer than that (here the slowest took ${fmtMs(latency?.max)}) or the queue grows faster than answers free connections`
        : `a request that queued at the start of this stretch waited up to ${s(plateau.ms)} of the ${s(poolMs)} its pool timeout allows`;
  return {
    id: 'pool-limit-queueing',
    severity: poolMs !== null && !perWait && plateau.ms >= 0.5 * poolMs ? 'critical' : 'warning',
    symptom: `the client never opened more than ${n} connections, and requests queued behind them`,
    evidence: `for ${s(plateau.ms)} the client held ${n} connections and ${plateau.backToBack} requests were sent on one the moment its previous answer ended (within 25 ms and half an answer's time), never on a new one: they had been waiting in the client’s pool; answers took p50 ${fmtMs(latency?.p50)}, p99 ${fmtMs(latency?.p99)}`,
    cause: `A pool limit of ${n} connections: requests beyond ${n} at once wait in the client for a free connection, so their latency is the queue plus the answer; ${heading}.`,
    fix: `Raise the pool limit to the concurrency the code asks for (up to ${demand} requests were in flight or waiting here, if they were issued together)${inClientTerms(fix)}, or cap the code’s concurrency at ${n} so nothing queues unseen.`,
    metric: 'wire_queued_share',
    change: fix,
  };
};

const staleKeepAlive: WireRule = (p, w) => {
  const r = w.reuse;
  const u = w.upstream.idleTimeoutMs;
  if (r.stale === 0 && (u === null || r.afterUpstreamIdle === 0)) return null;
  const worked = w.upstream.longestIdleThatWorkedMs;
  const target = Math.max(500, Math.floor(Math.min(u !== null ? 0.75 * u : Number.POSITIVE_INFINITY, worked ?? Number.POSITIVE_INFINITY) / 500) * 500);
  const fix = change(p, { 'pool.keepAliveMs': target });
  const source = w.upstream.idleTimeoutSource === 'upstream-close' ? 'it closed idle connections after that long' : w.upstream.idleTimeoutSource === 'upstream-reset' ? 'it reset connections reused after that long idle' : 'the proxy’s own idle fault';
  return {
    id: 'stale-keepalive',
    severity: 'critical',
    symptom: `${r.afterUpstreamIdle || r.stale} requests reused a connection idle longer than the upstream keeps one${r.stale ? `; ${r.stale} met the upstream’s reset (stale socket)` : ''}`,
    evidence: `idle before reuse up to ${fmtMs(r.idleBeforeReuseMs?.max)}; the upstream’s idle timeout ${u !== null ? `≈ ${s(u)} (${source})` : 'unknown'}${worked !== null ? `, reuses after up to ${s(worked)} worked` : ''}; ${w.idleCloses.byClientMs ? `the client closed ${w.idleCloses.byClientMs.count} idle connections itself (after up to ${fmtMs(w.idleCloses.byClientMs.max)})` : 'the client closed no idle connection itself'}`,
    cause: 'The client keeps idle connections longer than the upstream (or a load balancer in between) does: it sends a request on a socket the other side has dropped, and the request fails before any answer ("connection reset", "server disconnected", "other side closed").',
    fix: `Expire idle connections before the upstream does: ${target} ms${inClientTerms(fix)}; and retry a request that failed this way (the close was on its way before the request was written).`,
    metric: 'wire_stale_share',
    change: fix,
  };
};

const retryLoopAroundSdk: WireRule = (p, w) => {
  const r = w.repeats;
  if (r.outerRetries === 0 || r.sdkRetries === 0) return null;
  return {
    id: 'retry-loop-around-sdk',
    severity: 'critical',
    symptom: `the code sent ${r.outerRetries} requests again after the SDK had already retried them and given up: retries multiply`,
    evidence: `${r.sdkRetries} retries by the SDK itself (x-stainless-retry-count > 0), ${r.outerRetries} fresh calls re-sending a request whose SDK retries had just failed; up to ${r.maxChain} copies of one request in a row; ${p.requests.total} requests in all`,
    cause: 'A retry loop written around a client that already retries: each outer try runs the SDK’s whole retry sequence again, so a failing request is sent (outer tries × (SDK retries + 1)) times, and a struggling server gets that much more load.',
    fix: `Keep one retry layer: either the SDK’s (${retriesIn(p.preset, 2)}, and no loop around it), or your own loop with the SDK’s retries off (${retriesIn(p.preset, 0)}).`,
    metric: 'retry_rate',
    // The loop is the user's own code: no client setting removes it.
    change: null,
  };
};

const retryStorm: WireRule = (p, w) => {
  const r = w.repeats;
  const fast = r.retries >= 5 && (r.spacingMs?.p50 ?? Number.POSITIVE_INFINITY) < 50;
  if (r.maxChain < 5 && !fast) return null;
  return {
    id: 'retry-storm',
    severity: 'critical',
    symptom: `${r.retries} retries for ${p.requests.total - r.retries} requests${fast ? `, sent ${fmtMs(r.spacingMs?.p50)} after the failure (median)` : ''}; up to ${r.maxChain} copies of one request in a row`,
    evidence: `retry spacing p50 ${fmtMs(r.spacingMs?.p50)}, max ${fmtMs(r.spacingMs?.max)}; statuses ${Object.entries(p.statuses).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`,
    cause: 'Failed requests are sent again faster and more often than the server recovers, so retries multiply the load on a struggling server.',
    fix: `Retry at most 2–3 times with exponential backoff and jitter (from ≥ 100 ms), within a budget, honouring Retry-After: ${retriesIn(p.preset, 2)}.`,
    metric: 'retry_rate',
    change: change(p, { 'retry.maxRetries': 2, 'retry.initialBackoffMs': 100, 'retry.honorRetryAfter': true }),
  };
};

const retryAfterIgnored: WireRule = (p, w) => {
  const a = w.retryAfter;
  if (a.ignored === 0) return null;
  return {
    id: 'retry-after-ignored',
    severity: a.ignored >= a.honoured ? 'critical' : 'warning',
    symptom: `${a.ignored} of ${a.ignored + a.honoured} requests sent again after a Retry-After came back sooner than it asked`,
    evidence: `Retry-After asked p50 ${fmtMs(a.askedMs?.p50)}; the client came back after p50 ${fmtMs(a.waitedMs?.p50)}, min ${fmtMs(a.waitedMs?.min)}; ${a.given} answers carried Retry-After`,
    cause: 'The client retries a 429 or 503 without waiting the time the server asked for, so it keeps hitting the limit it was told to wait out.',
    fix: `Wait max(Retry-After, backoff) before a retry${p.preset === 'openai-node' || p.preset === 'openai-python' ? ' (the SDK does this itself: let it retry instead of a loop of your own)' : ''}.`,
    metric: 'wire_retry_after_ignored_share',
    change: change(p, { 'retry.honorRetryAfter': true }),
  };
};

const hedges: WireRule = (p, w) => {
  const r = w.repeats;
  if (r.hedges === 0) return null;
  const primaries = Math.max(1, p.requests.total - r.hedges);
  const notPaying = r.hedges >= 20 && r.hedgesWon < 0.1 * r.hedges;
  return {
    id: 'hedges',
    severity: notPaying ? 'warning' : 'info',
    symptom: `${r.hedges} requests were sent again while the first copy was still in flight (hedges): ${pct(r.hedges / primaries)} more requests`,
    evidence: `the second copy answered first ${r.hedgesWon} times (${pct(r.hedgesWon / r.hedges)}); ${r.losersCancelled} losing copies were cancelled by the client, the others ran to the end (the upstream did that work twice); latency p50 ${fmtMs(p.latencyMs?.p50)}, p99 ${fmtMs(p.latencyMs?.p99)}`,
    cause: notPaying ? 'Hedges are sent for requests that were about to answer anyway: the hedge delay is below the typical latency, so they add load without cutting the tail.' : 'The client hedges: it races a second copy against a slow first one, at the cost of the extra requests.',
    fix: notPaying ? 'Send the hedge later (near the p95 latency) and within a budget (≈ 10% of requests), and cancel the losing copy.' : 'Keep hedges within a budget (≈ 10% of requests) and cancel the losing copy, so the upstream does not do the work twice.',
    metric: 'hedge_win_share',
    // The hedging is the user's own code (the proxy cannot tell its delay setting): said in words.
    change: null,
  };
};

const WIRE_RULES: WireRule[] = [clientPerRequest, poolPlateau, staleKeepAlive, retryLoopAroundSdk, retryStorm, retryAfterIgnored, hedges];

export function diagnoseWire(p: ProfileReport, w: WireSection): NonNullable<ReturnType<Rule>>[] {
  return WIRE_RULES.map((rule) => rule(p, w)).filter((f): f is NonNullable<ReturnType<Rule>> => f !== null);
}
