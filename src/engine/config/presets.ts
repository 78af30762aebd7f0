/**
 * Named presets reproducing well-known clients: their defaults *and* how they apply them (behavior,
 * retry). Each names where its values come from (the library's source) and is proven against the real
 * library on the same faults (test/fidelity, docs/fidelity.md).
 */
import { DEFAULT_CONFIG } from './options.js';
import type { ClientConfig, PoolConfig, RetryConfig, TimeoutConfig } from './types.js';

export interface Preset {
  description: string;
  /** Where the values come from. */
  source: string;
  /** How the client applies them, in a sentence or two. */
  behaviour: string;
  config: ClientConfig;
}

// Every preset starts from tailgate's declared defaults (options.ts) and says where its client differs.
const NO_TIMEOUTS: TimeoutConfig = { connect: null, write: null, read: null, body: null, pool: null, acquire: null, attempt: null, total: null };
/** Exact timers, every request multiplexed, no redirects, error bodies read: tailgate's own behaviour. */
const EXACT = DEFAULT_CONFIG.behavior;
const NO_RETRIES = DEFAULT_CONFIG.retry;
/** httpx.HTTPTransport(retries=0): connects only, after 0, 0.5, 1 … s (httpcore _backends exponential_backoff(factor=0.5)). */
const HTTPX_TRANSPORT_RETRIES: RetryConfig = { style: 'httpx-transport', maxRetries: 0, initialBackoffMs: 500, maxBackoffMs: 3_600_000, honorRetryAfter: false };
/** undici's keepAliveMaxTimeout: the longest a server's Keep-Alive hint can make keep-alive. */
const UNDICI_KEEP_ALIVE_MAX_MS = 600_000;
const OPENAI_BACKOFF = { maxRetries: 2, initialBackoffMs: 500, maxBackoffMs: 8_000, honorRetryAfter: true };

const { httpVersion, proxy, headers, apiKey, authScheme, rejectUnauthorized } = DEFAULT_CONFIG;
const base = { httpVersion, proxy, headers, apiKey, authScheme, rejectUnauthorized };

/** A pool from tailgate's, unbounded and deaf to Keep-Alive hints unless the client is otherwise. */
const pool = (p: Partial<PoolConfig>): PoolConfig => ({ ...DEFAULT_CONFIG.pool, connections: null, honorKeepAliveHint: false, ...p });

/** undici 7 Client defaults (lib/dispatcher/client.js), and Node 20's fetch (its bundled undici 6: the same values). */
const undiciConfig: ClientConfig = {
  ...base,
  pool: pool({ connections: null, keepAliveMs: 4_000, honorKeepAliveHint: true, keepAliveMaxMs: UNDICI_KEEP_ALIVE_MAX_MS, maxRequestsRule: 'undici', reuse: 'next-turn' }),
  timeouts: { ...NO_TIMEOUTS, connect: 10_000, read: 300_000, body: 300_000 },
  behavior: { ...EXACT, timerTickMs: 499, abortReconnects: true, readClock: 'headers-body', multiplex: 'idempotent', h2Streams: 'client-limit' },
  retry: NO_RETRIES,
};
/** fetch follows up to 20 redirects (undici lib/web/fetch/index.js httpRedirectFetch: redirectCount > 20 fails). */
const fetchConfig: ClientConfig = { ...undiciConfig, behavior: { ...undiciConfig.behavior, maxRedirects: 20 } };

/** httpx.Client() defaults (httpx/_config.py), applied as httpcore 0.16 does. */
const httpxConfig: ClientConfig = {
  ...base,
  pool: pool({ connections: 100, maxIdle: 20, keepAliveMs: 5_000, idlePolicy: 'pool-size' }),
  timeouts: { ...NO_TIMEOUTS, connect: 5_000, write: 5_000, read: 5_000, pool: 5_000 },
  behavior: { ...EXACT, poolTimeout: 'per-wait', h2Streams: 'ignore-server-limit' },
  retry: HTTPX_TRANSPORT_RETRIES,
};

const HTTPX_POOL =
  'pool timeout per wait: each released connection wakes every waiting request, the losers wait the full pool timeout again, so PoolTimeout needs a whole interval with no connection freed; connect, read and write per socket operation; a released connection is closed while the pool, busy and idle together, holds more than max_keepalive_connections; Keep-Alive hints ignored; HTTP/2 on one connection, streams over the server’s limit refused';
const HTTPX_BEHAVIOUR = `${HTTPX_POOL}; redirects not followed; retries only as HTTPTransport(retries=N): failed connects, after 0, 0.5, 1 … s`;

export const PRESETS = {
  httpx: {
    description: 'Python httpx.Client() defaults',
    source:
      'httpx 0.23 _config.py: DEFAULT_LIMITS = Limits(max_connections=100, max_keepalive_connections=20), keepalive_expiry=5.0; ' +
      'DEFAULT_TIMEOUT_CONFIG = Timeout(5.0); httpcore 0.16 _sync/connection_pool.py (pool wait loop), backends/sync.py (per-operation timeouts)',
    behaviour: HTTPX_BEHAVIOUR,
    config: httpxConfig,
  },
  aiohttp: {
    description: 'Python aiohttp.ClientSession() defaults',
    source:
      'aiohttp 3.8 client.py: DEFAULT_TIMEOUT = ClientTimeout(total=300); connector.py TCPConnector(limit=100, limit_per_host=0, keepalive_timeout=15.0); ' +
      'helpers.py ceil_timeout (deadlines over 5 s rounded up to a whole second); client.py _request (allow_redirects=True, max_redirects=10)',
    behaviour:
      'ClientTimeout.connect (timeouts.acquire) is one deadline over the wait for a pool slot and the connect; sock_connect (timeouts.connect) each TCP connect; sock_read (timeouts.read) between reads; total over everything, rounded up to a whole second from 5 s; 9 redirects followed (max_redirects=10 fails on the 10th); no retries, not even on a stale pooled connection',
    config: {
      ...base,
      pool: pool({ connections: 100, maxIdle: null, keepAliveMs: 15_000 }),
      timeouts: { ...NO_TIMEOUTS, total: 300_000 },
      // max_redirects=10 fails on the 10th redirect answer: 9 are followed.
      behavior: { ...EXACT, ceilTimeouts: true, maxRedirects: 9 },
      retry: NO_RETRIES,
    },
  },
  undici: {
    description: 'Node undici Pool/Agent defaults',
    source:
      'undici 7 lib/dispatcher/client.js: connections unlimited, keepAliveTimeout 4 s, keepAliveMaxTimeout 600 s, keepAliveTimeoutThreshold 2 s, ' +
      'headersTimeout and bodyTimeout 300 s; client-h1.js onHeadersComplete (Keep-Alive hint), writeH1 (maxRequestsPerClient); lib/core/connect.js connect timeout 10 s; lib/util/timers.js (499 ms fast timers)',
    behaviour:
      'no pool timeout: requests queue for a connection without limit; headers timeout from the request being written, body timeout between chunks (two clocks, each may be off), both on a 499 ms clock (up to a tick late); the server’s Keep-Alive: timeout=N sets keep-alive to min(N − 2 s, 600 s), longer or shorter; maxRequestsPerClient serves one request more than the limit; a connection takes its next request an event-loop turn after a response (a request sent meanwhile opens or takes another); a POST is only written on a connection with nothing in flight, HTTP/2 too, where a connection carries up to `pipelining` (1 unless set); an aborted request’s connection is replaced at once; redirects not followed; no retries',
    config: undiciConfig,
  },
  fetch: {
    description: "Node's global fetch()",
    source: "Node 20's fetch is its bundled undici (6.24) on the global Agent: the same limits and timeouts as undici; lib/web/fetch/index.js httpRedirectFetch (20 redirects)",
    behaviour:
      'as undici: unlimited connections, no pool timeout, headers and body timeouts on a 499 ms clock, Keep-Alive hints followed (min(N − 2 s, 600 s)), a connection reused an event-loop turn after its response; up to 20 redirects followed (each hop on the other of two connections); no retries',
    config: fetchConfig,
  },
  'openai-python': {
    description: 'openai-python (OpenAI()) defaults',
    source:
      'openai-python _constants.py: DEFAULT_CONNECTION_LIMITS = httpx.Limits(max_connections=1000, max_keepalive_connections=100), ' +
      'DEFAULT_TIMEOUT = httpx.Timeout(timeout=600, connect=5.0), DEFAULT_MAX_RETRIES = 2, INITIAL_RETRY_DELAY 0.5, MAX_RETRY_DELAY 8; _base_client.py (_should_retry, _calculate_retry_timeout)',
    behaviour: `httpx underneath (${HTTPX_POOL}); follows up to 20 redirects (it sets follow_redirects=True); retries 2: 408, 409, 429, >= 500 and every transport error, body failures included; backoff min(0.5·2ⁿ, 8) s less up to 25%; Retry-After used when 0 < t <= 120 s, over 120 s not retried`,
    config: {
      ...httpxConfig,
      pool: { ...httpxConfig.pool, connections: 1000, maxIdle: 100 },
      timeouts: { ...NO_TIMEOUTS, connect: 5_000, write: 600_000, read: 600_000, pool: 600_000 },
      behavior: { ...httpxConfig.behavior, maxRedirects: 20 },
      retry: { ...NO_RETRIES, style: 'openai-python', ...OPENAI_BACKOFF },
    },
  },
  'openai-node': {
    description: 'openai-node (new OpenAI()) defaults',
    source:
      'openai-node 6.49 src/client.ts: timeout 600000 ms per attempt (aborted once the headers arrive), maxRetries 2, shouldRetry (x-should-retry, 408, 409, 429, >= 500), ' +
      'retryRequest (retry-after-ms, retry-after), calculateDefaultRetryTimeoutMillis; on global fetch (undici Agent defaults)',
    behaviour:
      'fetch underneath (unlimited connections, 499 ms timers, Keep-Alive hints followed, 20 redirects); the timeout covers the wait for a connection up to the response headers, afresh for each attempt; retries 2: 408, 409, 429, >= 500 and every transport error but not a failure reading the body; an error answer it retries has its body cancelled, closing the connection unless the body came with the headers; backoff min(0.5·2ⁿ, 8) s less up to 25%; Retry-After (ms, seconds or a date) used as is',
    config: {
      ...fetchConfig,
      timeouts: { ...fetchConfig.timeouts, attempt: 600_000 },
      behavior: { ...fetchConfig.behavior, attemptTimeoutEnds: 'headers', errorBody: 'cancel-when-retried' },
      retry: { ...NO_RETRIES, style: 'openai-node', ...OPENAI_BACKOFF },
    },
  },
  'baseten-recommended': {
    description: "Baseten's recommended httpx settings",
    source:
      'docs.baseten.co "Configure HTTP clients": Limits(max_connections=256, max_keepalive_connections=128, keepalive_expiry=30); ' +
      'Timeout(connect=10, read=1200, write=30, pool=10)',
    behaviour: `httpx with Baseten's limits: ${HTTPX_BEHAVIOUR}`,
    config: {
      ...httpxConfig,
      pool: { ...httpxConfig.pool, connections: 256, maxIdle: 128, keepAliveMs: 30_000 },
      timeouts: { ...NO_TIMEOUTS, connect: 10_000, write: 30_000, read: 1_200_000, pool: 10_000 },
    },
  },
  'baseten-performance-client': {
    description: "Baseten's Performance Client (Rust core) defaults",
    source:
      'basetenlabs/truss baseten-performance-client/core/src: constants.rs (max_retries 5, initial_backoff_ms 125, timeout_s 3600, budgets 10% / 5%), ' +
      'client.rs (reqwest pool_idle_timeout 30 s, pool_max_idle_per_host 512; reqwest redirect::Policy::default() follows 10), http_client.rs (retry and hedge rules), split_policy.rs (budgets per call)',
    behaviour:
      'reqwest: unlimited connections, idle ones kept 30 s; up to 10 redirects followed; timeout_s bounds each attempt; retries 5: 408, 409, 429, 5xx without budget, timeouts from the retry budget, connect failures only twice, never a body that fails; backoff min(125 ms·4ⁿ, 45 s) + 0–99 ms; Retry-After ignored; hedges only for the primary and first retry, and the first attempt to finish wins, even an error; budgets max(2, 1 + ceil(n·pct)) per call of n requests',
    config: {
      ...base,
      pool: pool({ connections: null, maxIdle: 512, keepAliveMs: 30_000 }),
      timeouts: { ...NO_TIMEOUTS, attempt: 3_600_000 },
      behavior: { ...EXACT, maxRedirects: 10 },
      retry: { style: 'baseten-pc', maxRetries: 5, initialBackoffMs: 125, maxBackoffMs: 45_000, honorRetryAfter: false },
    },
  },
} satisfies Record<string, Preset>;

export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];
