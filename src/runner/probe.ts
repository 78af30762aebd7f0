/**
 * Probe a real server with gentle, bounded traffic and recommend client settings from what it does:
 * its keep-alive idle timeout (the server's own FIN after an idle connection, or, if it drops silently, a
 * search over idle times until reuse fails), its requests per connection, whether its Keep-Alive hint is
 * there and true, HTTP/2, its latency, and (opt-in, capped) the rate at which it starts answering 429.
 */
import http2 from 'node:http2';
import tls from 'node:tls';
import { Engine, redactUrl, type AttemptRecord, type HttpMethod, type SocketInfo, TailgateError } from '../engine/index.js';

export interface ProbeOptions {
  path: string;
  method: HttpMethod;
  body: string | null;
  headers: Record<string, string>;
  /** Longest idle time to watch for (and to search up to). */
  maxIdleMs: number;
  /** Requests to send on one connection looking for its limit. */
  maxRequests: number;
  /** Opt-in: look for the rate limit, never above this rate. */
  findRateLimit: boolean;
  maxRate: number;
  /** Expected traffic, for sizing the pool. */
  targetRate: number;
  env?: Record<string, string | undefined>;
  log?: (line: string) => void;
}

export const PROBE_DEFAULTS: Omit<ProbeOptions, 'path' | 'method' | 'body' | 'headers'> = {
  maxIdleMs: 120_000,
  // Above the request limits of common servers (nginx's keepalive_requests is 1000), still gentle:
  // serial, on one connection.
  maxRequests: 1200,
  findRateLimit: false,
  maxRate: 200,
  targetRate: 100,
};

export interface ProbeResult {
  url: string;
  latencyMs: { samples: number; p50: number; p90: number; p99: number; max: number } | null;
  connectMs: number | null;
  keepAlive: {
    /** Measured idle timeout, ms; null if none was seen within maxIdleMs. */
    idleTimeoutMs: number | null;
    /** 'fin' (the server closed the idle connection), 'reuse-fails' (found by reusing after idle), or null. */
    how: 'fin' | 'reuse-fails' | null;
    hintS: number | null;
    hintTrue: boolean | null;
    /** How many idle closes the timeout was measured from (0 when found by search). */
    observations: number;
  };
  maxRequestsPerConnection: { value: number | null; atLeast: number };
  http2: { tls: boolean | null; h2c: boolean | null };
  rateLimit: { startsAtRps: number | null; firstLimitedStageRps: number | null; retryAfter: string | null } | null;
  recommendations: { setting: string; value: string; why: string }[];
  /** What a step could not measure, and why (the server's quirks end a step, never the probe). */
  notes: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type ProbeRequest = { method: HttpMethod; path: string; body: string | null; headers: Record<string, string>; discardBody: boolean };

/** Any HTTP answer (a 429 or a 404 too) means the connection works; only transport failures reject. */
async function answer(engine: Engine, req: ProbeRequest): Promise<Record<string, string>> {
  try {
    return (await engine.attempt(req)).headers;
  } catch (err) {
    if (err instanceof TailgateError && err.status !== undefined) return err.headers ?? {};
    throw err;
  }
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

export async function probe(url: string, options: ProbeOptions): Promise<ProbeResult> {
  const log = options.log ?? (() => {});
  const req = { method: options.method, path: options.path, body: options.body, headers: options.headers, discardBody: true };
  const env = options.env ?? process.env;

  // 1. Requests per connection and the latency baseline: sequential requests on one connection.
  log(`latency and requests per connection: up to ${options.maxRequests} requests on one connection`);
  const records: AttemptRecord[] = [];
  const seq = new Engine(url, { pool: { connections: 1, keepAliveMs: 86_400_000, honorKeepAliveHint: false }, timeouts: { read: 30_000 }, headers: options.headers }, { env, observer: { onAttemptEnd: (a) => records.push(a) } });
  let hintS: number | null = null;
  const notes: string[] = [];
  try {
    for (let i = 0; i < options.maxRequests; i++) {
      let headers: Record<string, string>;
      try {
        headers = await answer(seq, req);
      } catch (err) {
        // Nothing answered at all: there is nothing to probe. Otherwise the server ended the connection
        // (a FIN after its Nth response without Connection: close, a reset): that is the limit measured.
        if (i === 0) throw err;
        notes.push(`request ${i + 1} on the first connection failed (${(err as TailgateError).code ?? (err as Error).message}): taken as the server's limit`);
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
  const firstSocket = records[0]?.socket?.id;
  const onFirst = records.filter((r) => r.socket?.id === firstSocket && r.error === null).length;
  const closedEarly = records.filter((r) => r.error === null).length < options.maxRequests || records.some((r) => r.socket?.id !== firstSocket);
  const ttfbs = records.slice(1).map((r) => r.ttfbMs).filter((x): x is number => x !== null).sort((a, b) => a - b);
  const latencyMs = ttfbs.length ? { samples: ttfbs.length, p50: quantile(ttfbs, 0.5), p90: quantile(ttfbs, 0.9), p99: quantile(ttfbs, 0.99), max: ttfbs.at(-1) as number } : null;
  const connects = records.map((r) => r.connectMs).filter((x): x is number => x !== null);

  // 2. Idle timeout: two idle connections, watched for the server's FIN.
  log(`keep-alive idle timeout: watching idle connections for up to ${Math.round(options.maxIdleMs / 1000)} s`);
  let idleTimeoutMs: number | null = null;
  let how: ProbeResult['keepAlive']['how'] = null;
  const closes: number[] = [];
  const idle = new Engine(url, { pool: { connections: 2, keepAliveMs: 86_400_000, honorKeepAliveHint: false }, headers: options.headers }, {
    env,
    observer: {
      onSocketClose: (s: SocketInfo) => s.closedBy === 'server' && s.closedAt !== null && closes.push(s.closedAt - s.lastActiveAt),
      onAttemptEnd: (a) => a.connectMs !== null && connects.push(a.connectMs),
    },
  });
  try {
    await Promise.all([answer(idle, req), answer(idle, req)]);
    const until = performance.now() + options.maxIdleMs;
    while (closes.length < 2 && performance.now() < until) await sleep(20);
  } catch (err) {
    notes.push(`watching idle connections failed (${(err as TailgateError).code ?? (err as Error).message}); searching idle times instead`);
  } finally {
    await idle.close();
  }
  if (closes.length > 0) {
    idleTimeoutMs = Math.round(closes.sort((a, b) => a - b)[Math.floor((closes.length - 1) / 2)] as number);
    how = 'fin';
  } else {
    const found = await searchReuse(url, req, options, env, log, searchReadTimeoutMs(latencyMs)).catch((err: unknown) => {
      notes.push(`the idle-time search failed (${(err as TailgateError).code ?? (err as Error).message})`);
      return null;
    });
    if (found !== null) {
      idleTimeoutMs = found;
      how = 'reuse-fails';
    }
  }
  const hintTrue = hintS === null || idleTimeoutMs === null ? null : Math.abs(hintS * 1000 - idleTimeoutMs) <= Math.max(1000, 0.1 * idleTimeoutMs);

  // 3. HTTP/2.
  log('HTTP/2 support');
  const http2Support = await probeHttp2(url).catch((err: unknown) => {
    notes.push(`the HTTP/2 check failed (${(err as Error).message})`);
    return { tls: null, h2c: null };
  });

  // 4. Rate limit (opt-in).
  let rateLimit: ProbeResult['rateLimit'] = null;
  if (options.findRateLimit) {
    log(`rate limit: ramping up to ${options.maxRate} requests/s`);
    rateLimit = await findRateLimit(url, req, options, env).catch((err: unknown) => {
      notes.push(`the rate-limit search failed (${(err as TailgateError).code ?? (err as Error).message})`);
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
    notes,
  };
  result.recommendations = recommend(result, options);
  return result;
}

/**
 * The read timeout of the idle-time search: well above anything the server took in step 1, so a model
 * slower than a fixed 5 s is not taken for a dead connection (which would fake an idle timeout).
 */
export function searchReadTimeoutMs(latency: ProbeResult['latencyMs']): number {
  return Math.max(5_000, Math.ceil((latency?.max ?? 0) * 4));
}

/** For servers that drop idle connections silently: binary search on idle-then-reuse. */
async function searchReuse(
  url: string,
  req: ProbeRequest,
  options: ProbeOptions,
  env: Record<string, string | undefined>,
  log: (line: string) => void,
  readMs: number,
): Promise<number | null> {
  const reusable = async (idleMs: number): Promise<boolean> => {
    const engine = new Engine(url, { pool: { connections: 1, keepAliveMs: 86_400_000, honorKeepAliveHint: false }, timeouts: { read: readMs }, headers: options.headers }, { env });
    try {
      await answer(engine, req);
      await sleep(idleMs);
      await answer(engine, req);
      return engine.connectionStats.opened === 1;
    } catch (err) {
      const code = (err as TailgateError).code;
      if (code === 'stale_connection' || code === 'connection_reset' || code === 'read_timeout') return false;
      throw err;
    } finally {
      await engine.close();
    }
  };
  log('no idle close seen: searching idle times for when reuse starts to fail');
  if (await reusable(options.maxIdleMs)) return null;
  let lo = 0;
  let hi = options.maxIdleMs;
  // Stop at 5% of the estimate; each step costs its idle time.
  while (hi - lo > Math.max(50, 0.05 * hi)) {
    const mid = (lo + hi) / 2;
    if (await reusable(mid)) lo = mid;
    else hi = mid;
  }
  return Math.round((lo + hi) / 2);
}

async function probeHttp2(url: string): Promise<ProbeResult['http2']> {
  const u = new URL(url);
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  if (u.protocol === 'https:') {
    const alpn = await new Promise<string | false>((resolve) => {
      const socket = tls.connect({ host: u.hostname, port, servername: u.hostname, ALPNProtocols: ['h2', 'http/1.1'], timeout: 5_000 }, () => {
        resolve(socket.alpnProtocol ?? false);
        socket.destroy();
      });
      socket.on('error', () => resolve(false));
      socket.on('timeout', () => {
        socket.destroy();
        resolve(false);
      });
    });
    return { tls: alpn === 'h2', h2c: null };
  }
  const h2c = await new Promise<boolean>((resolve) => {
    const session = http2.connect(url);
    const timer = setTimeout(() => done(false), 3_000);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      session.destroy();
      resolve(ok);
    };
    session.on('error', () => done(false));
    const stream = session.request({ ':path': u.pathname || '/', ':method': 'GET' });
    stream.on('response', () => done(true));
    stream.on('error', () => done(false));
    stream.end();
  });
  return { tls: null, h2c };
}

/** Double the rate each second until 429s appear, then hold it: the accepted rate once the burst is spent is the limit. */
async function findRateLimit(
  url: string,
  req: ProbeRequest,
  options: ProbeOptions,
  env: Record<string, string | undefined>,
): Promise<ProbeResult['rateLimit']> {
  const engine = new Engine(url, { pool: { connections: 256, keepAliveMs: 60_000 }, timeouts: { read: 10_000 }, headers: options.headers }, { env });
  let retryAfter: string | null = null;
  const stage = async (rate: number, seconds: number) => {
    const perSecond: { ok: number; limited: number }[] = Array.from({ length: Math.ceil(seconds) }, () => ({ ok: 0, limited: 0 }));
    const start = performance.now();
    const pending: Promise<void>[] = [];
    const total = Math.round(rate * seconds);
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const bucket = perSecond[Math.min(perSecond.length - 1, Math.floor((due - start) / 1000))]!;
      pending.push(
        engine.attempt(req).then(
          () => void bucket.ok++,
          (err: TailgateError) => {
            if (err.status === 429) {
              bucket.limited++;
              retryAfter ??= err.headers?.['retry-after'] ?? null;
            }
          },
        ),
      );
    }
    await Promise.all(pending);
    return perSecond;
  };
  try {
    let rate = 5;
    while (rate <= options.maxRate) {
      const seconds = await stage(rate, 1);
      if (seconds.some((s) => s.limited > 0)) {
        const held = await stage(rate, 3);
        const sustained = held.slice(1).reduce((a, s) => a + s.ok, 0) / (held.length - 1);
        return { startsAtRps: Math.round(sustained * 10) / 10, firstLimitedStageRps: rate, retryAfter };
      }
      if (rate === options.maxRate) break;
      rate = Math.min(options.maxRate, rate * 2);
    }
    return { startsAtRps: null, firstLimitedStageRps: null, retryAfter: null };
  } finally {
    await engine.close();
  }
}

function recommend(r: ProbeResult, options: ProbeOptions): ProbeResult['recommendations'] {
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
