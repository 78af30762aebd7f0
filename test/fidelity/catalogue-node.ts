/**
 * Catalogue rows of the Node clients: undici 7.30.2 (npm), Node 20's fetch (its bundled undici),
 * openai-node 6.49.0 (npm), and Baseten's Performance Client (its Rust core's napi binary, 0.1.14).
 */
import type { CatalogueRow } from './catalogue.js';

const U = 'undici 7.30.2 lib/dispatcher';
const F = "Node 20's fetch (bundled undici) lib/web/fetch/index.js";
const O = 'openai-node 6.49.0 client.js';
const PC = 'truss baseten-performance-client 0.1.13 (repository snapshot; the binary run is 0.1.14) core/src';

const UNDICI: CatalogueRow[] = [
  {
    client: 'undici',
    topic: 'pool limits',
    behaviour: 'connections unlimited by default; with `connections`, requests queue for a connection without any timeout',
    source: `${U}/pool.js, pool-base.js (kQueue, kNeedDrain)`,
    cases: ['pool-1500ms', 'keepalive-over-pool-size'],
  },
  {
    client: 'undici',
    topic: 'idle connections',
    behaviour:
      'no cap on idle connections; a connection takes its next request only a full event-loop turn after a response, and a request sent meanwhile goes on another connection (opened if need be)',
    source: `${U}/client-h1.js onMessageComplete (setImmediate(client[kResume])); client.js kBusy; pool-base.js (kNeedDrain)`,
    cases: ['keepalive-over-pool-size', 'closed-loop-one-user', 'reuse', 'server-connection-close'],
  },
  {
    client: 'undici',
    topic: 'keep-alive and hints',
    behaviour:
      'keepAliveTimeout (4 s) unless the server sends Keep-Alive: timeout=N: then min(N − keepAliveTimeoutThreshold (2 s), keepAliveMaxTimeout (600 s)), longer or shorter than keepAliveTimeout; a hint of 2 s or less closes the connection after the response',
    source: `${U}/client-h1.js Parser.onHeadersComplete (parseKeepAliveTimeout), client.js (defaults)`,
    cases: ['keepalive-hint-long', 'keepalive-hint-capped', 'keepalive-hint-short', 'idle-close'],
  },
  {
    client: 'undici',
    topic: 'idle connections',
    behaviour: 'maxRequestsPerClient: the counter is compared before the request is counted, so a connection serves one request more than the limit',
    source: `${U}/client-h1.js writeH1 (socket[kCounter]++ >= client[kMaxRequests])`,
    cases: ['max-requests-per-connection'],
  },
  {
    client: 'undici',
    topic: 'timeouts',
    behaviour:
      'two read clocks: headersTimeout from the request being written to the headers, bodyTimeout between body chunks, each may be 0 (off); both on fast timers that tick every 499 ms; connectTimeout 10 s',
    source: `${U}/client-h1.js Parser.setTimeout, onParserTimeout (TIMEOUT_HEADERS, TIMEOUT_BODY); lib/util/timers.js; lib/core/connect.js`,
    cases: ['slow-body', 'slow-body-body-timeout', 'slow-model', 'full-backlog'],
  },
  {
    client: 'undici',
    topic: 'retries',
    behaviour: 'none (the retry interceptor is separate and opt-in)',
    source: `${U}/client.js (no retry); lib/interceptor/retry.js`,
    cases: ['503', '429-retry-after', 'reset-on-reuse', 'refused'],
  },
  {
    client: 'undici',
    topic: 'HTTP/2',
    behaviour:
      'allowH2: a client takes up to `pipelining` requests (1 unless set), HTTP/2 or not; the streams over the server’s limit wait in the session (Node queues them); a client still connecting is busy, so a burst opens a connection per request',
    source: `${U}/client-h2.js busy(), onHttp2RemoteSettings; client.js kBusy`,
    cases: ['h2-stream-limit-get', 'h2-pipelining'],
  },
  {
    client: 'undici',
    topic: 'pipelining',
    behaviour:
      'a non-idempotent request (a POST) is only written on a connection with nothing in flight, on HTTP/1.1 and HTTP/2 alike: POSTs are never multiplexed; the Pool queues one behind a request in flight, and a client with one queued is busy',
    source: `${U}/client-h1.js busy() and client-h2.js busy() (request.idempotent); client.js kBusy (kPending); lib/core/request.js (idempotent: GET, HEAD)`,
    cases: ['h2-stream-limit', 'h2-pipelining-post'],
  },
  {
    client: 'undici',
    topic: 'connection fate',
    behaviour: 'a body read to its end leaves the connection reusable, a large error answer too; a body cut short loses it',
    source: `${U}/client-h1.js onMessageComplete`,
    cases: ['large-error-body', 'truncated-body'],
  },
  {
    client: 'undici',
    topic: 'redirects',
    behaviour: 'request() follows none: the 3xx is the answer (following takes the redirect interceptor)',
    source: 'undici 7.30.2 lib/api/api-request.js; lib/interceptor/redirect.js (opt-in)',
    cases: ['redirect-307', 'redirect-303'],
  },
  {
    client: 'undici',
    topic: 'proxies',
    behaviour: 'HTTP(S)_PROXY and NO_PROXY are ignored unless an EnvHttpProxyAgent is the dispatcher',
    source: 'undici 7.30.2 lib/dispatcher/env-http-proxy-agent.js (opt-in)',
    cases: ['env-proxy-ignored'],
  },
];

const FETCH: CatalogueRow[] = [
  {
    client: 'fetch',
    topic: 'pool limits',
    behaviour: 'the global Agent: unlimited connections, keep-alive 4 s, no timeout but headersTimeout and bodyTimeout of 300 s; what users set is an AbortSignal.timeout per call',
    source: `${F} (getGlobalDispatcher: Agent defaults)`,
    cases: ['slow-model', 'reuse', 'keepalive-over-pool-size'],
  },
  {
    client: 'fetch',
    topic: 'keep-alive and hints',
    behaviour: 'as undici: a server’s Keep-Alive: timeout=N sets keep-alive to min(N − 2 s, 600 s), beyond the 4 s default too',
    source: 'undici lib/dispatcher/client-h1.js Parser.onHeadersComplete',
    cases: ['keepalive-hint-long-default', 'keepalive-hint-short', 'idle-close'],
  },
  {
    client: 'fetch',
    topic: 'idle connections',
    behaviour: 'as undici: a connection takes its next request a turn after a response, so back-to-back calls alternate between two connections',
    source: 'undici lib/dispatcher/client-h1.js onMessageComplete; pool-base.js',
    cases: ['closed-loop-one-user', 'server-connection-close'],
  },
  {
    client: 'fetch',
    topic: 'redirects',
    behaviour:
      'redirect: "follow": up to 20 redirects, the 21st fails ("redirect count exceeded"); 303, and 301/302 after a POST, become a GET; each hop is sent before the last one’s connection is free again, so a redirected call uses two connections',
    source: `${F} httpRedirectFetch (redirectCount 20), mainFetch`,
    cases: ['redirect-307', 'redirect-303', 'redirect-loop'],
  },
  {
    client: 'fetch',
    topic: 'retries',
    behaviour: 'none',
    source: F,
    cases: ['503', '429-retry-after', '429-retry-after-date', 'reset-on-reuse', 'refused'],
  },
  {
    client: 'fetch',
    topic: 'connection fate',
    behaviour: 'a body read to its end (res.text()) leaves the connection reusable; one cut short fails the read ("terminated")',
    source: F,
    cases: ['large-error-body', 'truncated-body'],
  },
  {
    client: 'fetch',
    topic: 'proxies',
    behaviour: "Node 20's fetch ignores HTTP(S)_PROXY (NODE_USE_ENV_PROXY came later)",
    source: F,
    cases: ['env-proxy-ignored'],
  },
];

const OPENAI_NODE: CatalogueRow[] = [
  {
    client: 'openai-node',
    topic: 'timeouts',
    behaviour: 'timeout (600 s) per attempt, from the call to the response headers (the wait for a connection included), aborting the fetch; afresh for each retry',
    source: `${O} fetchWithTimeout, makeRequest`,
    cases: ['slow-model', 'attempt-timeout-covers-wait'],
  },
  {
    client: 'openai-node',
    topic: 'retries',
    behaviour:
      'maxRetries 2: x-should-retry first, then 408, 409, 429, >= 500, and every fetch failure (timeouts, refused, reset, too many redirects) but not a body failure; retry-after-ms, then Retry-After (seconds or a date) used as is; else min(0.5·2ⁿ, 8) s × (1 − 0.25·random)',
    source: `${O} shouldRetry, retryRequest, calculateDefaultRetryTimeoutMillis`,
    cases: ['503', '429-retry-after', '429-retry-after-date', 'x-should-retry-false', 'x-should-retry-true', 'refused-retried', 'reset-on-reuse', 'truncated-body', 'redirect-loop'],
    proof: 'retry-after-ms and the backoff formula: unit, test/engine/retry-rules.test.ts "openai-node: …"',
  },
  {
    client: 'openai-node',
    topic: 'connection fate',
    behaviour:
      'an error answer it will retry has its body cancelled unread: a body that had not all arrived with the headers aborts the request, and undici replaces the connection at once (the retry then takes the replacement)',
    source: `${O} makeRequest (Shims.CancelReadableStream(response.body) before retryRequest); undici fetch abort`,
    cases: ['large-error-body'],
  },
  {
    client: 'openai-node',
    topic: 'keep-alive and hints',
    behaviour: 'fetch’s: the server’s Keep-Alive hint sets keep-alive (min(N − 2 s, 600 s))',
    source: 'undici lib/dispatcher/client-h1.js (through fetch)',
    cases: ['keepalive-hint-long', 'keepalive-hint-short', 'idle-close'],
  },
  {
    client: 'openai-node',
    topic: 'redirects',
    behaviour: 'fetch’s: 20 followed, then a connection error that is retried like any other',
    source: `${O} makeRequest (fetch with redirect "follow"); undici fetch httpRedirectFetch`,
    cases: ['redirect-307', 'redirect-303', 'redirect-loop'],
  },
  {
    client: 'openai-node',
    topic: 'pool limits',
    behaviour: 'fetch’s global Agent (unlimited connections); a dispatcher Agent({connections}) when given, queueing without a pool timeout (the attempt timeout covers the wait)',
    source: `${O} (fetchOptions.dispatcher)`,
    cases: ['attempt-timeout-covers-wait', 'keepalive-over-pool-size', 'closed-loop-one-user'],
  },
  {
    client: 'openai-node',
    topic: 'proxies',
    behaviour: 'fetch’s: the environment’s proxies are ignored',
    source: O,
    cases: ['env-proxy-ignored'],
  },
];

/** Baseten's Performance Client: its Rust core (the napi binary bench/ensure-baseten.mjs installs), driven through batchPost. */
const BASETEN_PC: CatalogueRow[] = [
  {
    client: 'baseten-performance-client',
    topic: 'retries',
    behaviour:
      'max_retries 5: 408, 409, 429 and 5xx without spending the retry budget, timeouts from it, connect failures only twice, never a failure reading (parsing) the body; backoff min(initial·4ⁿ, 45 s) + 0–99 ms; Retry-After ignored',
    source: `${PC}/http_client.rs (send_request_with_retry), constants.rs`,
    cases: ['baseten-retries', '429-retry-after', 'slow-model', 'truncated-body', 'refused', 'reset-on-reuse', 'x-should-retry-true'],
    harness: 'baseten-pc',
  },
  {
    client: 'baseten-performance-client',
    topic: 'retries',
    behaviour: 'budgets max(2, 1 + ceil(n·pct)) per call of n requests; hedges only for the primary and the first retry, and the first attempt to finish wins, even an error',
    source: `${PC}/split_policy.rs, http_client.rs`,
    cases: [],
    proof: 'from source; unit, test/engine/retry-rules.test.ts "baseten-pc: …" and test/engine/client/budgets.test.ts',
  },
  {
    client: 'baseten-performance-client',
    topic: 'idle connections',
    behaviour: 'reqwest: unlimited connections, pool_max_idle_per_host 512 (HTTP/1.1; 16 with HTTP/2), pool_idle_timeout 30 s, idle connections counted alone, reused at once',
    source: `${PC}/client.rs get_http_client`,
    cases: ['reuse', 'closed-loop-one-user', 'keepalive-over-pool-size', 'server-connection-close', 'idle-close'],
    harness: 'baseten-pc',
  },
  {
    client: 'baseten-performance-client',
    topic: 'connection fate',
    behaviour: 'an error answer it retries is read, and its connection reused; a body cut short fails the call',
    source: `${PC}/http_client.rs`,
    cases: ['large-error-body', 'truncated-body'],
    harness: 'baseten-pc',
  },
  {
    client: 'baseten-performance-client',
    topic: 'redirects',
    behaviour: 'reqwest’s default redirect Policy::limited(10): the 11th redirect fails the call, which is retried as a network error within the budget',
    source: `${PC}/client.rs get_http_client (no .redirect(…)); reqwest redirect::Policy::default`,
    cases: ['redirect-307', 'redirect-loop'],
    harness: 'baseten-pc',
  },
  {
    client: 'baseten-performance-client',
    topic: 'proxies',
    behaviour: 'reqwest reads the system proxies (HTTP(S)_PROXY, NO_PROXY) unless told not to; an explicit proxy URL is Proxy::all',
    source: `${PC}/client.rs get_http_client; reqwest ClientBuilder (system proxies by default)`,
    cases: [],
    notReproduced: 'as httpx: no preset reads a proxy from the environment',
  },
];

export const NODE_ROWS: CatalogueRow[] = [...UNDICI, ...FETCH, ...OPENAI_NODE, ...BASETEN_PC];
