/**
 * The measure each finding is about, by name: what its fix must improve, shown before and after by
 * `run --verify-fixes`. Shares rather than counts where a rerun could send a different number of
 * attempts; a gate metric's name where one exists (read through the gate's own metricOf).
 */
import { metricOf } from '../metrics/index.js';
import type { ProfileReport } from './contract/report.js';
import { fmtMs } from './render/format.js';

export interface FindingMetric {
  label: string;
  better: 'lower' | 'higher';
  unit: 'ms' | 'share' | 'ratio' | 'per-request';
  of(p: ProfileReport): number | null;
}

const errs = (p: ProfileReport, ...codes: string[]) => codes.reduce((t, c) => t + ((p.errors as Record<string, number>)[c] ?? 0), 0);
/** Tries: attempts sent, and the tries that failed before they could be (pool, connect), which are errors only. */
const tries = (p: ProfileReport) => p.attempts.total + errs(p, 'pool_timeout', 'connect_refused', 'connect_error', 'connect_timeout', 'port_exhausted');
const share = (n: number, of: number) => (of > 0 ? n / of : null);
const gate = (name: string) => (p: ProfileReport) => metricOf(p, name).value;

export const CONNECT_CODES = ['connect_refused', 'connect_error', 'connect_timeout'] as const;

/**
 * Attempts that met a connection the server had dropped while it sat idle (the dead keep-alive race):
 * the stale ones, and the resets after sending on a reused connection when every connection found
 * closed had sat idle longer than any reused one that was answered (an idle timeout between the two;
 * on a slow machine the race's reset can come after the stale window).
 */
export function keepAliveRace(p: ProfileReport): { stale: number; resets: number } {
  const r = p.reuse;
  const idleDriven = r !== undefined && r.resets > 0 && r.closedMinMs !== null && (r.answeredMaxMs === null || r.closedMinMs > r.answeredMaxMs);
  return { stale: errs(p, 'stale_connection'), resets: idleDriven ? r.resets : 0 };
}

export const FINDING_METRICS: Record<string, FindingMetric> = {
  // What the proxy saw of a real client (profiles with a `wire` section).
  wire_queued_share: {
    label: 'requests sent the moment a connection freed (queued in the client)',
    better: 'lower',
    unit: 'share',
    of: (p) => (p.wire?.plateau ? share(p.wire.plateau.backToBack, p.requests.total) : p.wire ? 0 : null),
  },
  wire_stale_share: {
    label: 'requests on a connection idle longer than the upstream keeps one',
    better: 'lower',
    unit: 'share',
    of: (p) => (p.wire ? share(Math.max(p.wire.reuse.stale, p.wire.reuse.afterUpstreamIdle), p.requests.total) : null),
  },
  wire_retry_after_ignored_share: {
    label: 'retries sooner than Retry-After asked',
    better: 'lower',
    unit: 'share',
    of: (p) => (p.wire ? share(p.wire.retryAfter.ignored, p.wire.retryAfter.ignored + p.wire.retryAfter.honoured) : null),
  },
  redirect_share: {
    label: 'requests that ended on a redirect',
    better: 'lower',
    unit: 'share',
    of: (p) => share((p.requestErrors as Record<string, number>).http_3xx ?? 0, p.requests.total),
  },
  tls_share: {
    label: 'tries whose TLS handshake failed',
    better: 'lower',
    unit: 'share',
    of: (p) => share(errs(p, 'tls_error'), tries(p)),
  },
  stale_share: {
    label: 'tries on a connection the server had dropped',
    better: 'lower',
    unit: 'share',
    of: (p) => {
      const race = keepAliveRace(p);
      return share(race.stale + race.resets, tries(p));
    },
  },
  reset_share: { label: 'resets after sending, per try', better: 'lower', unit: 'share', of: (p) => share(errs(p, 'connection_reset') - keepAliveRace(p).resets, tries(p)) },
  new_connection_share: { label: 'new connections per attempt', better: 'lower', unit: 'share', of: (p) => share(p.connections.opened, p.attempts.total) },
  port_exhausted_share: { label: 'tries with no local port', better: 'lower', unit: 'share', of: (p) => share(errs(p, 'port_exhausted'), tries(p)) },
  'queue_wait.p(99)': { label: 'wait for a connection, p99', better: 'lower', unit: 'ms', of: gate('queue_wait.p(99)') },
  timeout_share: { label: 'attempts timed out', better: 'lower', unit: 'share', of: (p) => share(errs(p, 'read_timeout', 'attempt_timeout'), p.attempts.total) },
  read_timeout_margin: {
    label: 'read timeout ÷ longest token gap',
    better: 'higher',
    unit: 'ratio',
    of: (p) => (p.config.timeouts.read !== null && p.itlMs ? p.config.timeouts.read / Math.max(p.itlMs.max, p.ttftMs?.max ?? 0, 1) : null),
  },
  read_timeout_excess: {
    label: 'read timeout ÷ TTFB p99.9',
    better: 'lower',
    unit: 'ratio',
    of: (p) => {
      const read = p.config.timeouts.read ?? p.config.timeouts.attempt;
      return read !== null && p.ttfbMs ? read / Math.max(p.ttfbMs.p999, 1) : null;
    },
  },
  abandoned_share: { label: 'requests abandoned', better: 'lower', unit: 'share', of: (p) => share(p.requests.abandoned ?? 0, p.requests.total) },
  retry_rate: { label: 'retries per request', better: 'lower', unit: 'per-request', of: gate('retry_rate') },
  rate_limited_share: { label: 'attempts answered 429', better: 'lower', unit: 'share', of: (p) => share(errs(p, 'http_429'), p.attempts.total) },
  hedge_win_share: { label: 'hedges that won', better: 'higher', unit: 'share', of: (p) => share(p.budgets.hedge.won, p.budgets.hedge.issued) },
  hedge_denied_share: { label: 'hedges refused by the budget, per request', better: 'lower', unit: 'per-request', of: (p) => share(p.budgets.hedge.denied, p.requests.total) },
  connect_failed_share: {
    label: 'requests failed connecting',
    better: 'lower',
    unit: 'share',
    of: (p) => share(CONNECT_CODES.reduce((t, c) => t + (p.requestErrors?.[c] ?? 0), 0), p.requests.total),
  },
  late_rate: { label: 'requests started late', better: 'lower', unit: 'share', of: gate('late_rate') },
};

export function findingMetric(name: string): FindingMetric {
  const m = FINDING_METRICS[name];
  if (!m) throw new Error(`no finding metric "${name}"`);
  return m;
}

/** A measure's value as a reader wants it: 12.5%, 340ms, 0.33/request, 4.2x. */
export function fmtMeasure(name: string, v: number | null): string {
  if (v === null) return '–';
  switch (findingMetric(name).unit) {
    case 'ms':
      return fmtMs(v);
    case 'share':
      return v === 0 ? '0%' : v < 0.001 ? '<0.1%' : `${(v * 100).toFixed(v < 0.1 ? 1 : 0)}%`;
    case 'per-request':
      return `${v.toFixed(2)}/request`;
    case 'ratio':
      return `${v.toFixed(1)}x`;
  }
}
