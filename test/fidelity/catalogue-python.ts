/**
 * Catalogue rows of the Python clients: httpx 0.23.3 over httpcore 0.16.3 and aiohttp 3.8.4 (Debian's,
 * run here), openai-python (not packaged here: from its source, over the httpx rows) and Baseten's
 * recommended httpx settings.
 */
import type { CatalogueRow } from './catalogue.js';

const HC = 'httpcore 0.16.3 _sync/connection_pool.py';
const AIO = 'aiohttp 3.8.4';
const OPY = 'openai-python 3.3.1 (repository snapshot) src/openai/_base_client.py';
const UNIT_RETRY = 'unit: test/engine/retry-rules.test.ts "openai-python: …" and "the runner with the openai-python preset retries …"';

const HTTPX: CatalogueRow[] = [
  {
    client: 'httpx',
    topic: 'pool limits',
    behaviour: 'Limits(max_connections=100): a request beyond it waits for a connection, in order',
    source: `${HC} ConnectionPool._attempt_to_acquire_connection; httpx 0.23.3 _config.py DEFAULT_LIMITS`,
    cases: ['pool-1500ms', 'pool-2500ms'],
  },
  {
    client: 'httpx',
    topic: 'timeouts',
    behaviour:
      'pool timeout per wait: each released connection wakes the waiting requests and a loser waits the whole pool timeout again, so PoolTimeout needs a whole interval with no connection freed',
    source: `${HC} handle_request, RequestStatus.wait_for_connection; _synchronization.py Event.wait`,
    cases: ['pool-300ms', 'pool-1500ms', 'pool-2500ms'],
  },
  {
    client: 'httpx',
    topic: 'idle connections',
    behaviour:
      'max_keepalive_connections=20 is compared with the whole pool, busy and idle: a released connection nobody waits for is closed while the pool holds more than 20, so above 20 in flight almost every request opens a new connection',
    source: `${HC} _close_expired_connections (from handle_request and response_closed)`,
    cases: ['keepalive-over-pool-size', 'keepalive-over-pool-size-loop'],
  },
  {
    client: 'httpx',
    topic: 'idle connections',
    behaviour: 'an idle connection the server closed (its socket readable) is dropped before it is reused; a server’s Connection: close ends the connection after that response',
    source: 'httpcore 0.16.3 _sync/http11.py HTTP11Connection.has_expired (is_readable), _response_closed (h11 state)',
    cases: ['idle-close', 'server-connection-close', 'reuse'],
  },
  {
    client: 'httpx',
    topic: 'keep-alive and hints',
    behaviour: 'keepalive_expiry (5 s) from the end of the last response, checked when a connection is taken; a server’s Keep-Alive: timeout=N is ignored, longer or shorter',
    source: 'httpcore 0.16.3 _sync/http11.py _response_closed (_expire_at), has_expired',
    cases: ['keepalive-hint-long', 'keepalive-hint-short', 'idle-close'],
  },
  {
    client: 'httpx',
    topic: 'timeouts',
    behaviour: 'connect, read and write per socket operation: read bounds every wait for data, for the headers and between body chunks alike; no timeout over the whole request',
    source: 'httpcore 0.16.3 backends/sync.py SyncStream.read/write (settimeout per call), SyncBackend.connect_tcp',
    cases: ['slow-model', 'slow-body', 'full-backlog'],
  },
  {
    client: 'httpx',
    topic: 'retries',
    behaviour:
      'none by default; HTTPTransport(retries=N) retries a failed connect only (ConnectError, ConnectTimeout), after 0, 0.5, 1, 2 … s, never a status, a read timeout or a reset, with no budget',
    source: 'httpcore 0.16.3 _sync/connection.py HTTPConnection.handle_request, exponential_backoff(factor=0.5)',
    cases: ['transport-retries-refused', 'transport-retries-503', 'transport-retries-read-timeout', 'refused', '503', '429-retry-after', 'reset-on-reuse'],
  },
  {
    client: 'httpx',
    topic: 'HTTP/2',
    behaviour:
      'http2=True: every request on one connection, streams up to its own limit of 100; the server’s SETTINGS_MAX_CONCURRENT_STREAMS is never read, so streams over it are refused (h2 TooManyStreamsError, or the server’s RST_STREAM)',
    source: 'httpcore 0.16.3 _sync/http2.py HTTP2Connection.handle_request (Semaphore of local_settings.max_concurrent_streams); h2 4.1 H2Connection.send_headers',
    cases: ['h2-stream-limit', 'h2-stream-limit-get'],
  },
  {
    client: 'httpx',
    topic: 'connection fate',
    behaviour: 'a response is read whole before it is returned (stream=False): an error answer, however large, leaves its connection reusable; a body cut short loses the connection',
    source: 'httpx 0.23.3 _client.py Client.send (response.read()); httpcore 0.16.3 _sync/http11.py _response_closed',
    cases: ['large-error-body', 'truncated-body'],
  },
  {
    client: 'httpx',
    topic: 'pipelining',
    behaviour: 'none: one request at a time per HTTP/1.1 connection, a new connection for each request in flight',
    source: 'httpcore 0.16.3 _sync/http11.py HTTP11Connection.is_available (IDLE only)',
    cases: ['reuse', 'pool-1500ms', 'closed-loop-one-user'],
  },
  {
    client: 'httpx',
    topic: 'redirects',
    behaviour: 'follow_redirects=False: a 3xx is the answer; with follow_redirects=True, up to max_redirects=20, then TooManyRedirects; 303, and 301/302 after a POST, become a GET',
    source: 'httpx 0.23.3 _client.py _send_handling_redirects, _redirect_method; _config.py DEFAULT_MAX_REDIRECTS',
    cases: ['redirect-307', 'redirect-303', 'redirect-loop'],
  },
  {
    client: 'httpx',
    topic: 'proxies',
    behaviour: 'trust_env=True: HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and NO_PROXY are read, and an http:// request is forwarded through the proxy (no tunnel)',
    source: 'httpx 0.23.3 _client.py _get_proxy_map, _utils.py get_environment_proxies',
    cases: [],
    notReproduced:
      "tailgate's proxy is an explicit CONNECT tunnel (config.proxy) and no preset reads the environment; a forwarding proxy taken from the environment is not modelled yet",
  },
];

const AIOHTTP: CatalogueRow[] = [
  {
    client: 'aiohttp',
    topic: 'pool limits',
    behaviour: 'TCPConnector(limit=100, limit_per_host=0): requests beyond the limit wait for a connection; limit_per_host caps one origin',
    source: `${AIO} connector.py BaseConnector.connect (_waiters, _available_connections)`,
    cases: ['pool-1500ms', 'limit-per-host'],
  },
  {
    client: 'aiohttp',
    topic: 'timeouts',
    behaviour: 'ClientTimeout.connect is one deadline over the wait for a pool slot and the connect (fails as a connection timeout); sock_connect each TCP connect',
    source: `${AIO} client.py ClientSession._request (ceil_timeout(real_timeout.connect) around connector.connect); connector.py _wrap_create_connection (sock_connect)`,
    cases: ['pool-300ms', 'pool-1500ms', 'pool-2500ms', 'full-backlog'],
  },
  {
    client: 'aiohttp',
    topic: 'timeouts',
    behaviour:
      'total (300 s by default) over the pool wait, the request and the body, as a deadline rounded up to a whole second from 5 s; sock_read between reads, the headers and each body chunk alike',
    source: `${AIO} client.py DEFAULT_TIMEOUT, _request (TimeoutHandle, resp.connection.add_callback(handle.cancel)); helpers.py ceil_timeout; client_proto.py ResponseHandler._reschedule_timeout`,
    cases: ['total-2500ms', 'slow-model', 'slow-body'],
    proof: 'the rounding from 5 s: unit, test/engine/deadlines.test.ts',
  },
  {
    client: 'aiohttp',
    topic: 'idle connections',
    behaviour: 'no cap on idle connections; the most recently used is taken first; force_close=True closes each after its response; a server’s Connection: close or FIN is honoured',
    source: `${AIO} connector.py BaseConnector._get (LIFO, is_connected), _release (force_close, should_close)`,
    cases: ['keepalive-over-pool-size', 'force-close', 'server-connection-close', 'idle-close', 'reuse'],
  },
  {
    client: 'aiohttp',
    topic: 'keep-alive and hints',
    behaviour: 'keepalive_timeout (15 s) checked when a connection is taken; a server’s Keep-Alive hint is ignored',
    source: `${AIO} connector.py BaseConnector._get (t1 - t0 > keepalive_timeout), _cleanup`,
    cases: ['keepalive-hint-long', 'keepalive-hint-short'],
  },
  {
    client: 'aiohttp',
    topic: 'retries',
    behaviour: 'none: not a status, not a timeout, not even a request that met a stale pooled connection',
    source: `${AIO} client.py ClientSession._request (no retry loop)`,
    cases: ['reset-on-reuse', '503', '429-retry-after', '429-retry-after-date', 'refused'],
  },
  {
    client: 'aiohttp',
    topic: 'HTTP/2',
    behaviour: 'none: aiohttp’s client speaks HTTP/1.1 only',
    source: `${AIO} client_reqrep.py ClientRequest (version HttpVersion11), client_proto.py (an HTTP/1 parser)`,
    cases: [],
    proof: 'nothing to reproduce: the aiohttp preset is HTTP/1.1, and every aiohttp row runs on it',
  },
  {
    client: 'aiohttp',
    topic: 'connection fate',
    behaviour: 'a body read to its end leaves the connection reusable (a large error answer too); one cut short closes it',
    source: `${AIO} client_reqrep.py ClientResponse.read, release; client_proto.py should_close`,
    cases: ['large-error-body', 'truncated-body'],
  },
  {
    client: 'aiohttp',
    topic: 'pipelining',
    behaviour: 'none: a connection carries one request at a time',
    source: `${AIO} connector.py (a connection is acquired per request)`,
    cases: ['reuse', 'closed-loop-one-user'],
  },
  {
    client: 'aiohttp',
    topic: 'redirects',
    behaviour: 'allow_redirects=True, max_redirects=10: TooManyRedirects on the 10th redirect answer (9 followed); 303, and 301/302 after a POST, become a GET',
    source: `${AIO} client.py ClientSession._request (redirects >= max_redirects)`,
    cases: ['redirect-307', 'redirect-303', 'redirect-loop'],
  },
  {
    client: 'aiohttp',
    topic: 'proxies',
    behaviour: 'trust_env=False: HTTP(S)_PROXY and NO_PROXY are ignored',
    source: `${AIO} client.py ClientSession.__init__ (trust_env), _request (get_env_proxy_for_url only with trust_env)`,
    cases: ['env-proxy-ignored'],
  },
  {
    client: 'aiohttp',
    topic: 'proxies',
    behaviour: 'trust_env=True: the environment’s proxy, and an http:// request forwarded through it',
    source: `${AIO} helpers.py get_env_proxy_for_url`,
    cases: [],
    notReproduced: 'as httpx: no preset reads a proxy from the environment, and tailgate only tunnels (CONNECT)',
  },
];

/** openai-python cannot run here (neither Debian nor npm has it): its rows stand on the httpx rows and its own source. */
const OPENAI_PYTHON: CatalogueRow[] = [
  {
    client: 'openai-python',
    topic: 'pool limits',
    behaviour: 'httpx with Limits(max_connections=1000, max_keepalive_connections=100): the httpx pool, its pool-size idle rule above 100 in flight',
    source: 'openai-python 3.3.1 src/openai/_constants.py DEFAULT_CONNECTION_LIMITS',
    cases: ['keepalive-over-pool-size', 'pool-1500ms'],
    harness: 'httpx',
    proof: 'from source over httpx: the httpx rows, with openai-python’s values',
  },
  {
    client: 'openai-python',
    topic: 'timeouts',
    behaviour: 'httpx.Timeout(600, connect=5): per socket operation as httpx; a timeout is retried',
    source: `openai-python 3.3.1 src/openai/_constants.py DEFAULT_TIMEOUT; ${OPY} request (timeout_exceptions)`,
    cases: ['slow-model'],
    harness: 'httpx',
    proof: `from source over httpx; ${UNIT_RETRY}`,
  },
  {
    client: 'openai-python',
    topic: 'retries',
    behaviour:
      'max_retries=2: 408, 409, 429, >= 500 and every exception (timeouts, connection errors, a body cut short); x-should-retry first; retry-after-ms, then Retry-After (seconds or a date) used when 0 < t <= 120 s, a Retry-After over 120 s not retried; else min(0.5·2ⁿ, 8) s × (1 − 0.25·random)',
    source: `${OPY} _should_retry, _calculate_retry_timeout, _parse_retry_after_header; MAX_RETRY_AFTER_DELAY`,
    cases: [],
    proof: `from source; ${UNIT_RETRY}`,
  },
  {
    client: 'openai-python',
    topic: 'connection fate',
    behaviour: 'non-streaming calls are sent with stream=False, so httpx reads an error answer whole before the retry closes it: the connection is kept',
    source: `${OPY} request (_send_request(stream=…), err.response.close())`,
    cases: ['large-error-body'],
    harness: 'httpx',
    proof: 'from source over httpx',
  },
  {
    client: 'openai-python',
    topic: 'redirects',
    behaviour: 'follow_redirects=True (httpx’s max_redirects=20), then TooManyRedirects, retried as any exception',
    source: `${OPY} SyncHttpxClientWrapper (kwargs.setdefault("follow_redirects", True))`,
    cases: ['redirect-loop'],
    harness: 'httpx',
    proof: 'from source over httpx (the httpx row sets follow_redirects=True, max_redirects=20)',
  },
  {
    client: 'openai-python',
    topic: 'proxies',
    behaviour: 'httpx’s trust_env: the environment’s proxies',
    source: `${OPY} (httpx.Client defaults)`,
    cases: [],
    notReproduced: 'as httpx',
  },
];

const BASETEN_RECOMMENDED: CatalogueRow[] = [
  {
    client: 'baseten-recommended',
    topic: 'pool limits',
    behaviour:
      'httpx with Limits(max_connections=256, max_keepalive_connections=128, keepalive_expiry=30) and Timeout(connect=10, read=1200, write=30, pool=10): every httpx row, with these values (above 128 in flight, connections churn)',
    source: 'docs.baseten.co "Configure HTTP clients"; the httpx rows',
    cases: ['keepalive-over-pool-size', 'pool-1500ms'],
    harness: 'httpx',
    proof: 'httpx itself: the httpx rows prove the behaviour, the values are Baseten’s',
  },
];

export const PYTHON_ROWS: CatalogueRow[] = [...HTTPX, ...AIOHTTP, ...OPENAI_PYTHON, ...BASETEN_RECOMMENDED];
