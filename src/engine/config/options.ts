/**
 * Every ClientConfig option's range and doc, in one table: validation walks it and lists every problem,
 * `tailgate presets` and the scenario schema read it.
 */
export type Spec =
  | { kind: 'int'; min: number; max: number; nullable?: boolean; doc: string }
  | { kind: 'ms'; min: number; max: number; doc: string }
  | { kind: 'enum'; values: readonly (string | number)[]; doc: string }
  | { kind: 'bool'; doc: string }
  | { kind: 'url'; nullable: true; doc: string }
  | { kind: 'string'; nullable: true; doc: string }
  | { kind: 'headers'; doc: string }
  | { kind: 'ports'; doc: string };

const DAY_MS = 86_400_000;
/** Streams per HTTP/2 connection when pool.pipelining is not set (nginx and Envoy default to 100). */
export const H2_DEFAULT_STREAMS = 100;

/** Where a port budget given as a count starts: below Linux's ephemeral range (32768-60999), so no
 * connection the kernel numbers itself ever holds one of these ports. */
export const LOCAL_PORTS_BASE = 20_000;

export const OPTION_SPECS: Record<string, Spec> = {
  'pool.connections': { kind: 'int', min: 1, max: 65_535, nullable: true, doc: 'max connections per origin (null = unlimited)' },
  'pool.maxIdle': { kind: 'int', min: 0, max: 65_535, nullable: true, doc: 'idle connections kept (null = all)' },
  'pool.keepAliveMs': { kind: 'int', min: 0, max: DAY_MS, doc: 'idle expiry in ms (0 = close after each response)' },
  'pool.honorKeepAliveHint': { kind: 'bool', doc: "follow the server's Keep-Alive: timeout=N hint as undici does: expiry min(N s - 2 s, pool.keepAliveMaxMs)" },
  'pool.keepAliveMaxMs': {
    kind: 'int',
    min: 1,
    max: DAY_MS,
    nullable: true,
    doc: "the longest expiry a server's Keep-Alive hint may set (undici keepAliveMaxTimeout); null = pool.keepAliveMs, so a hint can only shorten it",
  },
  'pool.idlePolicy': {
    kind: 'enum',
    values: ['idle-count', 'pool-size'],
    doc: 'close idle connections while more than pool.maxIdle are idle (idle-count), or while the pool, busy and idle, holds more than pool.maxIdle (pool-size: httpcore)',
  },
  'pool.reuse': {
    kind: 'enum',
    values: ['at-once', 'next-turn'],
    doc: "when a freed connection takes its next request: at once, or an event-loop turn later as undici's (a request sent meanwhile goes to another connection)",
  },
  'pool.maxRequestsPerConnection': { kind: 'int', min: 1, max: 1e9, nullable: true, doc: 'requests per connection before it is closed' },
  'pool.maxRequestsRule': { kind: 'enum', values: ['exact', 'undici'], doc: "exact, or undici's maxRequestsPerClient (a connection serves one request more than the limit)" },
  'pool.pipelining': { kind: 'int', min: 1, max: 1_000, doc: 'requests in flight per connection (HTTP/2: streams)' },
  'pool.mode': { kind: 'enum', values: ['shared', 'per-request'], doc: 'per-request = a new client (connection) per request' },
  'pool.localPorts': {
    kind: 'ports',
    doc: 'a client-side port budget per destination, as a NAT gateway or a small ephemeral range has: a count (from port 20000) or a range "20000-20999"; null = the kernel picks (off)',
  },
  'pool.portHoldMs': { kind: 'int', min: 0, max: DAY_MS, doc: "how long a local port stays unusable after its connection closed (TIME_WAIT's 60 s, or your NAT gateway's hold)" },
  'timeouts.connect': { kind: 'ms', min: 1, max: DAY_MS, doc: 'TCP + TLS handshake' },
  'timeouts.write': { kind: 'ms', min: 1, max: DAY_MS, doc: 'sending the request' },
  'timeouts.read': { kind: 'ms', min: 1, max: DAY_MS, doc: 'to first response byte, and between body chunks (behavior.readClock headers-body: to the headers only)' },
  'timeouts.body': { kind: 'ms', min: 1, max: DAY_MS, doc: "between body chunks, with behavior.readClock headers-body (undici's bodyTimeout)" },
  'timeouts.pool': { kind: 'ms', min: 1, max: DAY_MS, doc: 'waiting for a connection from the pool (behavior.poolTimeout says how)' },
  'timeouts.acquire': { kind: 'ms', min: 1, max: DAY_MS, doc: "waiting for a connection and opening it, one deadline (aiohttp's ClientTimeout.connect)" },
  'timeouts.attempt': { kind: 'ms', min: 1, max: DAY_MS, doc: 'one attempt end to end (or to its headers: behavior.attemptTimeoutEnds)' },
  'timeouts.total': { kind: 'ms', min: 1, max: DAY_MS, doc: 'a whole operation, retries and hedges included' },
  'behavior.poolTimeout': { kind: 'enum', values: ['per-request', 'per-wait'], doc: 'per-wait (httpx): every released connection restarts the pool timeout of the requests still waiting' },
  'behavior.timerTickMs': { kind: 'int', min: 0, max: 10_000, doc: "connect and read timers fire on a clock of this tick (undici: 499); 0 = exact" },
  'behavior.ceilTimeouts': { kind: 'bool', doc: "deadlines of 5 s and more end on a whole second (aiohttp's ceil_timeout)" },
  'behavior.attemptTimeoutEnds': { kind: 'enum', values: ['response', 'headers'], doc: 'timeouts.attempt stops at the end of the response, or at its headers (openai-node)' },
  'behavior.abortReconnects': { kind: 'bool', doc: 'aborting a request in flight opens a replacement connection at once (undici)' },
  'behavior.readClock': {
    kind: 'enum',
    values: ['per-read', 'headers-body'],
    doc: 'per-read: timeouts.read bounds every wait for data (httpx, aiohttp); headers-body: timeouts.read to the headers, timeouts.body between chunks (undici)',
  },
  'behavior.h2Streams': {
    kind: 'enum',
    values: ['server-limit', 'client-limit', 'ignore-server-limit'],
    doc: "HTTP/2: streams per connection up to the server's SETTINGS_MAX_CONCURRENT_STREAMS (more connections), up to pool.pipelining with the rest queued in the session (client-limit: undici), or on one connection with those over the server's limit refused (ignore-server-limit: httpcore 0.16)"
  },
  'behavior.errorBody': {
    kind: 'enum',
    values: ['read', 'cancel-when-retried'],
    doc: "an error answer that will be retried: its body read and the connection kept, or dropped (openai-node), closing a connection whose body had not all arrived",
  },
  'behavior.multiplex': {
    kind: 'enum',
    values: ['all', 'idempotent'],
    doc: 'which requests share a connection with others in flight: all, or GET and HEAD only (undici: a POST takes a connection of its own, on HTTP/2 too)',
  },
  'behavior.maxRedirects': { kind: 'int', min: 0, max: 100, doc: 'same-origin redirects followed, the next one fails (fetch 20; aiohttp 9: its max_redirects=10 fails on the 10th; 0 = none: the 3xx is the answer)' },
  'retry.style': {
    kind: 'enum',
    values: ['tailgate', 'openai-node', 'openai-python', 'baseten-pc', 'httpx-transport'],
    doc: 'which statuses and errors are retried, the backoff, Retry-After, budgets: as that client does it',
  },
  'retry.maxRetries': { kind: 'int', min: 0, max: 100, doc: 'retries per request (0 = none)' },
  'retry.initialBackoffMs': { kind: 'int', min: 0, max: 600_000, doc: 'the first backoff (the style says how it grows)' },
  'retry.maxBackoffMs': { kind: 'int', min: 0, max: 3_600_000, doc: 'the longest backoff' },
  'retry.honorRetryAfter': { kind: 'bool', doc: "wait for the server's Retry-After as the style does; false ignores it" },
  httpVersion: { kind: 'enum', values: [1, 2], doc: '1 = HTTP/1.1; 2 = HTTP/2 (ALPN over TLS, prior knowledge over http:)' },
  proxy: { kind: 'url', nullable: true, doc: 'HTTP CONNECT proxy URL' },
  headers: { kind: 'headers', doc: 'extra headers on every request' },
  apiKey: { kind: 'string', nullable: true, doc: 'API key (else BASETEN_API_KEY, else OPENAI_API_KEY)' },
  authScheme: { kind: 'enum', values: ['Bearer', 'Api-Key'], doc: 'Authorization header scheme' },
  rejectUnauthorized: { kind: 'bool', doc: "verify the server's TLS certificate" },
};

