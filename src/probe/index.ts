/**
 * Probe a real server with gentle, bounded traffic and recommend client settings from what it does:
 * its requests per connection (from the connection's close, whatever the answers' statuses), the latency
 * of its 2xx answers, its connect time (the median of several), its keep-alive idle timeout (the server's
 * own FIN after an idle connection, or, if it drops silently, a search over idle times until reuse fails),
 * whether its Keep-Alive hint is there and true, HTTP/2, and (opt-in, capped) the rate at which it starts
 * answering 429. Every answer is counted by status; a path that never answers 2xx gets no recommendation.
 */
import { redactUrl } from '../engine/index.js';
import { connectSummary, timeConnects } from './connect-time.js';
import { probeHttp2 } from './http2.js';
import { searchReadTimeoutMs, searchReuse } from './idle-search.js';
import { watchIdle } from './idle-watch.js';
import { requestsPerConnection } from './per-connection.js';
import { why } from './probe-client.js';
import { findRateLimit } from './rate-limit.js';
import { no2xxStatement, recommend } from './recommend.js';
import { is2xx, quantile, type ProbeOptions, type ProbeResult, type Step } from './types.js';

export { PROBE_DEFAULTS, CONNECT_SAMPLES, type ProbeOptions, type ProbeResult } from './types.js';
export { searchReadTimeoutMs } from './idle-search.js';
export { recommend, statusesText } from './recommend.js';

export async function probe(url: string, options: ProbeOptions): Promise<ProbeResult> {
  const log = options.log ?? (() => {});
  const s: Step = { url, req: { method: options.method, path: options.path, body: options.body, headers: options.headers, discardBody: true }, options, env: options.env ?? process.env, statuses: {}, notes: [], slowestMs: 0 };

  log(`requests per connection and latency: up to ${options.maxRequests} requests on one connection, until the server closes it`);
  const step1 = await requestsPerConnection(s);
  // Only answers that did the work: a 429 or a 404 comes back fast and says nothing of the model's latency.
  const ttfbs = step1.records.filter((r) => r.reusedSocket && r.status !== null && is2xx(r.status) && r.ttfbMs !== null).map((r) => r.ttfbMs as number).sort((a, b) => a - b);
  const latencyMs = ttfbs.length ? { samples: ttfbs.length, p50: quantile(ttfbs, 0.5), p90: quantile(ttfbs, 0.9), p99: quantile(ttfbs, 0.99), max: ttfbs.at(-1) as number } : null;
  const connects = step1.records.map((r) => r.connectMs).filter((x): x is number => x !== null);
  const result: ProbeResult = {
    url: redactUrl(url),
    statuses: s.statuses,
    latencyMs,
    connectMs: null,
    keepAlive: { idleTimeoutMs: null, how: null, hintS: step1.hintS, hintTrue: null, observations: 0 },
    maxRequestsPerConnection: step1.limit,
    http2: { tls: null, h2c: null },
    rateLimit: null,
    recommendations: [],
    noRecommendations: null,
    notes: s.notes,
  };
  if (step1.no2xx) {
    // Nothing measured on this path describes the user's traffic: say so and stop asking.
    result.connectMs = connectSummary(connects);
    result.noRecommendations = no2xxStatement(options, s.statuses);
    return result;
  }

  log(`connect time: ${connects.length ? 'more' : 'several'} fresh connections`);
  await timeConnects(s, connects);

  if (step1.limit.value === 1) {
    s.notes.push('the server closes every connection after one answer: nothing stays idle, so there is no idle timeout to measure');
  } else {
    log(`keep-alive idle timeout: watching idle connections for up to ${Math.round(options.maxIdleMs / 1000)} s`);
    const closes = await watchIdle(s, connects);
    if (closes.length > 0) {
      result.keepAlive.idleTimeoutMs = Math.round(closes.sort((a, b) => a - b)[Math.floor((closes.length - 1) / 2)] as number);
      result.keepAlive.how = 'fin';
      result.keepAlive.observations = closes.length;
    } else {
      log('no idle close seen: searching idle times for when reuse starts to fail');
      const found = await searchReuse(s, searchReadTimeoutMs(latencyMs)).catch((err: unknown) => {
        s.notes.push(`the idle-time search failed (${why(err)})`);
        return null;
      });
      if (found !== null) {
        result.keepAlive.idleTimeoutMs = found;
        result.keepAlive.how = 'reuse-fails';
      }
    }
  }
  const { hintS, idleTimeoutMs } = result.keepAlive;
  result.keepAlive.hintTrue = hintS === null || idleTimeoutMs === null ? null : Math.abs(hintS * 1000 - idleTimeoutMs) <= Math.max(1000, 0.1 * idleTimeoutMs);
  result.connectMs = connectSummary(connects);

  log('HTTP/2 support');
  result.http2 = await probeHttp2(url).catch((err: unknown) => {
    s.notes.push(`the HTTP/2 check failed (${(err as Error).message})`);
    return { tls: null, h2c: null };
  });

  if (options.findRateLimit) {
    log(`rate limit: ramping up to ${options.maxRate} requests/s`);
    result.rateLimit = await findRateLimit(s).catch((err: unknown) => {
      s.notes.push(`the rate-limit search failed (${why(err)})`);
      return null;
    });
  }
  result.recommendations = recommend(result, options);
  return result;
}
