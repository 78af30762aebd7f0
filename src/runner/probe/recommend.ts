/** Client settings from what the probe measured, each with the reason and the margin it keeps. */
import { STATUS_CODES } from 'node:http';
import { is2xx, type ProbeOptions, type ProbeResult } from './types.js';

/** "200 OK ×40, 429 Too Many Requests ×60": every status the probe got, named. */
export function statusesText(statuses: Record<string, number>): string {
  const entries = Object.entries(statuses).sort(([a], [b]) => Number(a) - Number(b));
  return entries.length ? entries.map(([code, n]) => `${code} ${STATUS_CODES[code] ?? ''} ×${n}`.replace('  ', ' ')).join(', ') : 'none';
}

/** Why a path that never answered 2xx gets no recommendation, and what to do instead. */
export function no2xxStatement(options: Pick<ProbeOptions, 'method' | 'path'>, statuses: Record<string, number>): string {
  return (
    `${options.method} ${options.path} never answered 2xx (${statusesText(statuses)}): nothing measured there describes the requests your client makes, ` +
    'so nothing is recommended. Probe a path your client calls and that answers 2xx (--path, --method, --body, --header).'
  );
}

/** The connect timeout: well above the median handshake, at least a second. */
export function connectTimeoutMs(median: number): number {
  return Math.max(1000, Math.ceil((median * 10) / 1000) * 1000);
}

export function recommend(r: ProbeResult, options: ProbeOptions): ProbeResult['recommendations'] {
  const out: ProbeResult['recommendations'] = [];
  if (!Object.keys(r.statuses).some(is2xx)) return out;
  const idle = r.keepAlive.idleTimeoutMs;
  if (idle !== null) {
    // Expire before the server does, by a margin for what was measured: a quarter of the timeout (the
    // server's timer granularity, our measurement, the request's trip while the server decides to close).
    // The answer's own latency does not count: a connection is idle only once its answer is in.
    const margin = Math.max(0.25 * idle, 50);
    const keep = Math.max(10, Math.floor(idle - margin));
    out.push({
      setting: 'pool.keepAliveMs',
      value: String(keep),
      why: `the server drops idle connections after ${(idle / 1000).toFixed(2)} s (${r.keepAlive.how === 'fin' ? `it closes them; seen ${r.keepAlive.observations} time(s)` : 'silently: reuse fails'}); expire them ${Math.round(margin)} ms before (a quarter of it) (httpx: Limits(keepalive_expiry=${keep / 1000}))`,
    });
  }
  if (r.keepAlive.hintS !== null) {
    out.push({
      setting: 'pool.honorKeepAliveHint',
      value: String(r.keepAlive.hintTrue !== false),
      why: r.keepAlive.hintTrue === false ? `the server's Keep-Alive hint (timeout=${r.keepAlive.hintS}) is wrong: do not trust it` : `the server's Keep-Alive hint (timeout=${r.keepAlive.hintS}) matches what it does`,
    });
  }
  const limit = r.maxRequestsPerConnection;
  if (limit.value !== null) {
    out.push({
      setting: 'retries on stale_connection',
      value: 'on',
      why: `the server closes a connection after ${limit.value} answers (seen on ${limit.connections} connections${limit.saidClose ? ', announced with Connection: close' : ', without announcing it'}); a request racing that close fails before any response and is safe to retry`,
    });
  }
  if (r.latencyMs) {
    const tail = r.latencyMs.max;
    const pool = Math.max(4, Math.ceil(options.targetRate * (r.latencyMs.p99 / 1000) * 1.5));
    out.push({ setting: 'pool.connections', value: String(pool), why: `for ${options.targetRate} req/s at p99 ${r.latencyMs.p99.toFixed(1)} ms (Little's law, with 50% headroom)` });
    out.push({
      setting: 'timeouts.read',
      value: String(Math.max(1000, Math.ceil((tail * 4) / 1000) * 1000)),
      why: `4x the slowest of ${r.latencyMs.samples} 2xx answers (${tail.toFixed(1)} ms), rounded up to a second; the model's own tail under load may be longer`,
    });
  }
  if (r.connectMs !== null) {
    const c = r.connectMs;
    const timeout = connectTimeoutMs(c.median);
    const slower = c.max > timeout ? `; the slowest (${c.max.toFixed(1)} ms) was beyond it: if connects that slow are common on your network, raise it` : '';
    out.push({
      setting: 'timeouts.connect',
      value: String(timeout),
      why: `10x the median of ${c.samples} connects (${c.median.toFixed(1)} ms; ${c.min.toFixed(1)}–${c.max.toFixed(1)} ms), at least 1 s: a connect across a network takes longer than one on loopback${slower}`,
    });
  }
  if (r.http2.tls || r.http2.h2c) out.push({ setting: 'httpVersion', value: '2 (or 1 at high concurrency)', why: 'the server speaks HTTP/2; compare both with tailgate run (http2-vs-http1)' });
  const limited = r.statuses['429'] ?? 0;
  if (r.rateLimit?.startsAtRps) {
    out.push({ setting: 'offered rate', value: `< ${Math.floor(r.rateLimit.startsAtRps * 0.9)} req/s`, why: `the server answers 429 above ~${r.rateLimit.startsAtRps} req/s sustained; honour Retry-After (${r.rateLimit.retryAfter ?? 'none sent'})` });
  } else if (limited > 0) {
    out.push({ setting: 'offered rate', value: 'limited', why: `the server answered 429 to ${limited} of the probe's requests, sent one at a time: it limits the rate on this path (--find-rate-limit measures where)` });
  }
  return out;
}
