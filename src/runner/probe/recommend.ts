/** Client settings from what the probe measured, each with the reason and the margin it keeps. */
import type { ProbeOptions, ProbeResult } from './types.js';

export function recommend(r: ProbeResult, options: ProbeOptions): ProbeResult['recommendations'] {
  const out: ProbeResult['recommendations'] = [];
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
  if (r.maxRequestsPerConnection.value !== null) {
    out.push({
      setting: 'retries on stale_connection',
      value: 'on',
      why: `the server closes a connection after ${r.maxRequestsPerConnection.value} requests; a request racing that close fails before any response and is safe to retry`,
    });
  }
  if (r.latencyMs) {
    const tail = r.latencyMs.max;
    const pool = Math.max(4, Math.ceil(options.targetRate * (r.latencyMs.p99 / 1000) * 1.5));
    out.push({ setting: 'pool.connections', value: String(pool), why: `for ${options.targetRate} req/s at p99 ${r.latencyMs.p99.toFixed(1)} ms (Little's law, with 50% headroom)` });
    out.push({
      setting: 'timeouts.read',
      value: String(Math.max(1000, Math.ceil((tail * 4) / 1000) * 1000)),
      why: `4x the slowest of ${r.latencyMs.samples} answers (${tail.toFixed(1)} ms), rounded up to a second; the model's own tail under load may be longer`,
    });
  }
  if (r.connectMs !== null) {
    out.push({ setting: 'timeouts.connect', value: String(Math.max(1000, Math.ceil((r.connectMs * 10) / 1000) * 1000)), why: `10x the slowest connect measured (${r.connectMs.toFixed(1)} ms), at least 1 s: a connect across a network takes longer than one on loopback` });
  }
  if (r.http2.tls || r.http2.h2c) out.push({ setting: 'httpVersion', value: '2 (or 1 at high concurrency)', why: 'the server speaks HTTP/2; compare both with tailgate run (http2-vs-http1)' });
  if (r.rateLimit?.startsAtRps) {
    out.push({ setting: 'offered rate', value: `< ${Math.floor(r.rateLimit.startsAtRps * 0.9)} req/s`, why: `the server answers 429 above ~${r.rateLimit.startsAtRps} req/s sustained; honour Retry-After (${r.rateLimit.retryAfter ?? 'none sent'})` });
  }
  return out;
}
