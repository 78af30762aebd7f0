/**
 * ClientConfig: every knob users compare across httpx, aiohttp, undici/fetch, the OpenAI SDKs and
 * Baseten-style clients, and *how* the client applies them (behavior, retry): a preset is a behaviour,
 * not only a table of values. Defaults, ranges and docs live in options.ts.
 */
export type PoolMode = 'shared' | 'per-request';
export type HttpVersion = 1 | 2;
export type AuthScheme = 'Bearer' | 'Api-Key';

/** Ports as a user may give them: a count (from LOCAL_PORTS_BASE) or a range "20000-20999". */
export type LocalPortsInput = number | string | { from: number; to: number } | null;

export interface PoolConfig {
  /** Max connections per origin; null = unlimited (undici, fetch). httpx max_connections, aiohttp limit. */
  connections: number | null;
  /** Idle connections kept open; null = all. httpx max_keepalive_connections (clamped to connections). */
  maxIdle: number | null;
  /** Idle expiry: a connection idle this long is closed, never reused. 0 = no keep-alive. httpx keepalive_expiry. */
  keepAliveMs: number;
  /**
   * Follow the server's `Keep-Alive: timeout=N` hint as undici does (undici, fetch, openai-node): the expiry
   * becomes min(N s − 2 s, keepAliveMaxMs), longer or shorter than keepAliveMs, and a hint of 2 s or less
   * closes the connection after the response; or ignore it (httpx, aiohttp, reqwest).
   */
  honorKeepAliveHint: boolean;
  /**
   * The longest expiry a server's hint may set (undici keepAliveMaxTimeout: 600 s in the undici, fetch
   * and openai-node presets); null = keepAliveMs, so that a hint can only shorten it (tailgate's default).
   */
  keepAliveMaxMs: number | null;
  /**
   * When an idle connection beyond maxIdle is closed. `idle-count`: while more than maxIdle connections are
   * idle (undici has no cap; reqwest pool_max_idle_per_host). `pool-size` (httpcore 0.16
   * `_close_expired_connections`): a connection released with nobody waiting is closed while the pool,
   * busy and idle together, holds more than maxIdle, so above maxIdle requests in flight every request
   * opens a new connection.
   */
  idlePolicy: 'idle-count' | 'pool-size';
  /**
   * When a freed connection takes its next request. `at-once`; `next-turn` (undici, fetch): a full
   * event-loop turn later (client-h1 onMessageComplete resumes in setImmediate, and the Pool sends
   * meanwhile to another connection, opening one if it may), so a request sent the moment the last one
   * ended (a redirect followed, a closed loop) goes out on a second connection.
   */
  reuse: 'at-once' | 'next-turn';
  /** Close a connection after it served this many requests; null = never. */
  maxRequestsPerConnection: number | null;
  /**
   * How maxRequestsPerConnection counts: `exact`, or `undici` (maxRequestsPerClient compares its counter
   * before adding the request, so a connection serves one request more than the limit).
   */
  maxRequestsRule: 'exact' | 'undici';
  /** HTTP/1.1 requests in flight per connection (1 = no pipelining); for HTTP/2, streams per connection. */
  pipelining: number;
  /** `per-request` emulates a new client per request: a new connection each time, closed after. */
  mode: PoolMode;
  /** Local ports new connections may bind, per destination (a NAT gateway's budget); null = the kernel picks. */
  localPorts: { from: number; to: number } | null;
  /** A closed connection's local port is held this long before it can be used again (TIME_WAIT, a NAT's hold). */
  portHoldMs: number;
}

/** Each timeout in ms, each separate, each may be off (null). As httpx.Timeout, plus acquire, attempt and total. */
export interface TimeoutConfig {
  /** Each TCP (+ TLS) connect. httpx connect, aiohttp sock_connect, undici connectTimeout. */
  connect: number | null;
  /** Sending the request. */
  write: number | null;
  /**
   * To the first response byte, and between body chunks (behavior.readClock `per-read`: httpx read, aiohttp
   * sock_read); with readClock `headers-body`, to the response headers only (undici headersTimeout).
   */
  read: number | null;
  /** Between body chunks, with behavior.readClock `headers-body` (undici bodyTimeout; null = off, undici's 0). */
  body: number | null;
  /** Waiting for a connection from the pool (how it is applied: behavior.poolTimeout). */
  pool: number | null;
  /** Waiting for a connection and opening it, as one deadline: aiohttp's ClientTimeout.connect (connect_timeout). */
  acquire: number | null;
  /** One attempt end to end (or to its headers: behavior.attemptTimeoutEnds). */
  attempt: number | null;
  /** A whole logical request, retries and hedges included. */
  total: number | null;
}

/** How the client applies its timeouts: where real clients differ, and users' failures come from. */
export interface BehaviorConfig {
  /**
   * `per-request`: one deadline from when the request starts waiting. `per-wait` (httpx): every time a
   * connection is released the waiting requests are woken and the losers wait again with the full pool
   * timeout, so PoolTimeout fires only when no connection frees for a whole interval.
   */
  poolTimeout: 'per-request' | 'per-wait';
  /**
   * Connect and read timers run on a coarse clock of this tick (undici's fast timers: 499 ms), firing up
   * to a tick late; 0 = exact.
   */
  timerTickMs: number;
  /** Deadlines over 5 s (connect, acquire) or from 5 s (total) end on a whole second, rounded up (aiohttp's ceil_timeout). */
  ceilTimeouts: boolean;
  /** Where timeouts.attempt stops: at the end of the response, or once its headers arrived (openai-node). */
  attemptTimeoutEnds: 'response' | 'headers';
  /**
   * Aborting a request in flight on HTTP/1.1 closes its connection and, as undici does, opens a new one
   * straight away for the request it just dropped (left idle): one extra connection per abort.
   */
  abortReconnects: boolean;
  /**
   * The read clocks. `per-read` (httpx, aiohttp): timeouts.read bounds every wait for data, the headers and
   * each body chunk alike. `headers-body` (undici, fetch): timeouts.read runs until the response headers,
   * then timeouts.body between body chunks: two clocks, each of which may be off.
   */
  readClock: 'per-read' | 'headers-body';
  /**
   * How HTTP/2 connections fill. `server-limit`: a connection carries min(pool.pipelining, the server's
   * SETTINGS_MAX_CONCURRENT_STREAMS), more connections open for the rest, and until a new connection's
   * settings arrive other requests wait for it. `client-limit` (undici: client-h2 takes up to its
   * `pipelining`, 1 unless set, and its Pool counts a client still connecting as busy): a connection
   * carries pool.pipelining, the streams over the server's limit wait inside the session (Node's HTTP/2
   * queues them), and a request that finds every connection busy or still connecting opens another.
   * `ignore-server-limit` (httpcore 0.16 reads only its own limit of 100): every request goes on one
   * connection, and the streams beyond the server's limit are refused (failing with protocol_error).
   */
  h2Streams: 'server-limit' | 'client-limit' | 'ignore-server-limit';
  /**
   * Which requests share a connection with others in flight (HTTP/1.1 pipelining, HTTP/2 streams). `all`;
   * `idempotent` (undici, fetch, openai-node: client-h1 and client-h2 busy()): a POST is written only on a
   * connection with nothing in flight; its Pool queues one behind a request in flight, and a connection
   * with one queued is busy, so a burst of POSTs takes about a connection each, HTTP/2 or not.
   */
  multiplex: 'all' | 'idempotent';
  /**
   * Redirects (301, 302, 303, 307, 308 with a Location on the same origin) followed before the 3xx is
   * returned; 0 = none (undici.request, httpx). fetch and openai-node 20, aiohttp 9 (its max_redirects=10 fails on the 10th), openai-python 20
   * (it sets httpx's follow_redirects). Over the limit the request fails (other: too many redirects).
   */
  maxRedirects: number;
  /**
   * The fate of a connection after an error answer the client will retry. `read` (httpx, aiohttp, undici
   * users who read it): the body is read and the connection kept. `cancel-when-retried` (openai-node
   * 6.49 makeRequest: CancelReadableStream before retrying): the body is dropped, so a connection whose
   * body had not all arrived with the headers is closed, and the retry opens a new one.
   */
  errorBody: 'read' | 'cancel-when-retried';
}

/**
 * How a client retries, as that library does it:
 * - `tailgate`: 429, 500, 502, 503, 504; transport failures where nothing reached the server or a timeout
 *   (connect_*, stale_connection, read/attempt timeouts); full-jitter backoff; waits max(Retry-After,
 *   backoff); every retry spends the retry budget.
 * - `openai-node`: 408, 409, 429, >= 500 (x-should-retry obeyed first) and every transport error, but not a
 *   failure while reading the body; backoff min(0.5·2ⁿ, 8) s × (1 − 0.25·random); Retry-After (ms, seconds
 *   or a date) used as is.
 * - `openai-python`: as openai-node, and body failures are retried too (httpx reads the body inside
 *   send); Retry-After used when 0 < t <= 120 s, and one over 120 s is not retried at all.
 * - `baseten-pc`: 408, 409, 429, 5xx without spending the budget; timeouts spend it; connect failures only
 *   for the first two retries; never a failure reading the body; backoff min(initial·4ⁿ, 45 s) + 0–99 ms; Retry-After ignored; hedges only
 *   for the primary and the first retry, and the first attempt to finish wins, even an error.
 * - `httpx-transport` (httpx.HTTPTransport(retries=N), httpcore 0.16 connection.py): failed connects only
 *   (refused, unreachable, connect timeout), never a status, a read or a pool timeout; waits 0, then
 *   initial·2ⁿ⁻¹ (0, 0.5, 1, 2 … s); no budget.
 */
export type RetryStyle = 'tailgate' | 'openai-node' | 'openai-python' | 'baseten-pc' | 'httpx-transport';

export interface RetryConfig {
  style: RetryStyle;
  /** Retries per request (0 = none). A call may ask for another number. */
  maxRetries: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** Wait for the server's Retry-After as the style does; false ignores it (reproduces clients that do). */
  honorRetryAfter: boolean;
}

export interface ClientConfig {
  pool: PoolConfig;
  timeouts: TimeoutConfig;
  behavior: BehaviorConfig;
  retry: RetryConfig;
  httpVersion: HttpVersion;
  /** http://host:port of an HTTP CONNECT proxy, or null. */
  proxy: string | null;
  headers: Record<string, string>;
  /** Never printed, logged or written to a report (see redactConfig). */
  apiKey: string | null;
  authScheme: AuthScheme;
  /** TLS: verify the server's certificate. */
  rejectUnauthorized: boolean;
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** What a user writes: a preset to start from, then any overrides. */
export type ClientConfigInput = DeepPartial<Omit<ClientConfig, 'pool'>> & {
  preset?: string;
  pool?: DeepPartial<Omit<PoolConfig, 'localPorts'>> & { localPorts?: LocalPortsInput };
};
