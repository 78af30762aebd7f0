/**
 * Probe a real server with gentle, bounded traffic and recommend client settings from what it does:
 * its keep-alive idle timeout (the server's own FIN after an idle connection, or, if it drops silently, a
 * search over idle times until reuse fails), its requests per connection, whether its Keep-Alive hint is
 * there and true, HTTP/2, its latency, and (opt-in, capped) the rate at which it starts answering 429.
 */
import { Engine, redactUrl, type AttemptRecord, type SocketInfo, TailgateError } from '../../engine/index.js';
import { sleep } from '../../util/index.js';
import { probeHttp2 } from './http2.js';
import { searchReadTimeoutMs, searchReuse } from './idle-search.js';
import { findRateLimit } from './rate-limit.js';
import { recommend } from './recommend.js';
import { answer, quantile, type ProbeOptions, type ProbeRequest, type ProbeResult } from './types.js';

export { PROBE_DEFAULTS, type ProbeOptions, type ProbeResult } from './types.js';
export { searchReadTimeoutMs } from './idle-search.js';

/** What a step of the probe shares: the target, the request, the environment, where notes go. */
interface Step {
  url: string;
  req: ProbeRequest;
  options: ProbeOptions;
  env: Record<string, string | undefined>;
  notes: string[];
}

const why = (err: unknown) => (err as TailgateError).code ?? (err as Error).message;

/** 1. Sequential requests on one connection: the latency baseline, the Keep-Alive hint, requests per connection. */
async function onOneConnection(s: Step): Promise<{ records: AttemptRecord[]; hintS: number | null }> {
  const records: AttemptRecord[] = [];
  const seq = new Engine(s.url, { pool: { connections: 1, keepAliveMs: 86_400_000, honorKeepAliveHint: false }, timeouts: { read: 30_000 }, headers: s.options.headers }, { env: s.env, observer: { onAttemptEnd: (a) => records.push(a) } });
  let hintS: number | null = null;
  try {
    for (let i = 0; i < s.options.maxRequests; i++) {
      let headers: Record<string, string>;
      try {
        headers = await answer(seq, s.req);
      } catch (err) {
        // Nothing answered at all: there is nothing to probe. Otherwise the server ended the connection
        // (a FIN after its Nth response without Connection: close, a reset): that is the limit measured.
        if (i === 0) throw err;
        s.notes.push(`request ${i + 1} on the first connection failed (${why(err)}): taken as the server's limit`);
        break;
      }
      if (i === 0) {
        const m = /timeout=(\d+)/i.exec(headers['keep-alive'] ?? '');
        hintS = m ? Number(m[1]) : null;
      }
      if (i > 0 && records.at(-1)!.socket?.id !== records[0]!.socket?.id) break;
    }
  } finally {
    await seq.close();
  }
  return { records, hintS };
}

/** 2. Two idle connections, watched for the server's FIN: how long after its last answer each closed. */
async function watchIdle(s: Step, connects: number[]): Promise<number[]> {
  const closes: number[] = [];
  const idle = new Engine(s.url, { pool: { connections: 2, keepAliveMs: 86_400_000, honorKeepAliveHint: false }, headers: s.options.headers }, {
    env: s.env,
    observer: {
      onSocketClose: (x: SocketInfo) => x.closedBy === 'server' && x.closedAt !== null && closes.push(x.closedAt - x.lastActiveAt),
      onAttemptEnd: (a) => a.connectMs !== null && connects.push(a.connectMs),
    },
  });
  try {
    await Promise.all([answer(idle, s.req), answer(idle, s.req)]);
    const until = performance.now() + s.options.maxIdleMs;
    while (closes.length < 2 && performance.now() < until) await sleep(20);
  } catch (err) {
    s.notes.push(`watching idle connections failed (${why(err)}); searching idle times instead`);
  } finally {
    await idle.close();
  }
  return closes;
}

export async function probe(url: string, options: ProbeOptions): Promise<ProbeResult> {
  const log = options.log ?? (() => {});
  const step: Step = { url, req: { method: options.method, path: options.path, body: options.body, headers: options.headers, discardBody: true }, options, env: options.env ?? process.env, notes: [] };

  log(`latency and requests per connection: up to ${options.maxRequests} requests on one connection`);
  const { records, hintS } = await onOneConnection(step);
  const firstSocket = records[0]?.socket?.id;
  const onFirst = records.filter((r) => r.socket?.id === firstSocket && r.error === null).length;
  const closedEarly = records.filter((r) => r.error === null).length < options.maxRequests || records.some((r) => r.socket?.id !== firstSocket);
  const ttfbs = records.slice(1).map((r) => r.ttfbMs).filter((x): x is number => x !== null).sort((a, b) => a - b);
  const latencyMs = ttfbs.length ? { samples: ttfbs.length, p50: quantile(ttfbs, 0.5), p90: quantile(ttfbs, 0.9), p99: quantile(ttfbs, 0.99), max: ttfbs.at(-1) as number } : null;
  const connects = records.map((r) => r.connectMs).filter((x): x is number => x !== null);

  log(`keep-alive idle timeout: watching idle connections for up to ${Math.round(options.maxIdleMs / 1000)} s`);
  const closes = await watchIdle(step, connects);
  let idleTimeoutMs: number | null = null;
  let how: ProbeResult['keepAlive']['how'] = null;
  if (closes.length > 0) {
    idleTimeoutMs = Math.round(closes.sort((a, b) => a - b)[Math.floor((closes.length - 1) / 2)] as number);
    how = 'fin';
  } else {
    const found = await searchReuse(url, step.req, options, step.env, log, searchReadTimeoutMs(latencyMs)).catch((err: unknown) => {
      step.notes.push(`the idle-time search failed (${why(err)})`);
      return null;
    });
    if (found !== null) {
      idleTimeoutMs = found;
      how = 'reuse-fails';
    }
  }
  const hintTrue = hintS === null || idleTimeoutMs === null ? null : Math.abs(hintS * 1000 - idleTimeoutMs) <= Math.max(1000, 0.1 * idleTimeoutMs);

  log('HTTP/2 support');
  const http2Support = await probeHttp2(url).catch((err: unknown) => {
    step.notes.push(`the HTTP/2 check failed (${(err as Error).message})`);
    return { tls: null, h2c: null };
  });

  let rateLimit: ProbeResult['rateLimit'] = null;
  if (options.findRateLimit) {
    log(`rate limit: ramping up to ${options.maxRate} requests/s`);
    rateLimit = await findRateLimit(url, step.req, options, step.env).catch((err: unknown) => {
      step.notes.push(`the rate-limit search failed (${why(err)})`);
      return null;
    });
  }

  const result: ProbeResult = {
    url: redactUrl(url),
    latencyMs,
    // The slowest of the connects measured (the first request's and the idle watch's): one cold connect
    // alone says little.
    connectMs: connects.length ? Math.max(...connects) : null,
    keepAlive: { idleTimeoutMs, how, hintS, hintTrue, observations: closes.length },
    maxRequestsPerConnection: { value: closedEarly ? onFirst : null, atLeast: onFirst },
    http2: http2Support,
    rateLimit,
    recommendations: [],
    notes: step.notes,
  };
  result.recommendations = recommend(result, options);
  return result;
}
