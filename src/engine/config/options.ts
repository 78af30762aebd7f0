/**
 * ClientConfig declared once with the schema kit: every knob users compare across httpx, aiohttp,
 * undici/fetch, the OpenAI SDKs and Baseten-style clients, each with its range, tailgate's default (when
 * no preset is named) and its doc. The types (types.ts), validation (resolve.ts), `tailgate presets` and
 * the scenario's JSON Schema all come from here; how a client *applies* them is behavior-options.ts.
 */
import { Type, withDefaults, type Static, type TSchema } from '../../util/schema.js';
import { BEHAVIOR_OPTIONS, RETRY_OPTIONS } from './behavior-options.js';

const DAY_MS = 86_400_000;
/** Streams per HTTP/2 connection when pool.pipelining is not set (nginx and Envoy default to 100). */
export const H2_DEFAULT_STREAMS = 100;

/** Where a port budget given as a count starts: below Linux's ephemeral range (32768-60999), so no
 * connection the kernel numbers itself ever holds one of these ports. */
export const LOCAL_PORTS_BASE = 20_000;
const PORT = Type.Integer({ minimum: 1024, maximum: 65_535 });
export const PORT_RANGE = Type.Object({ from: PORT, to: PORT }, { additionalProperties: false });
const LOCAL_PORTS_DOC =
  'a client-side port budget per destination, as a NAT gateway or a small ephemeral range has: a count (from port 20000), a range "20000-20999" or {from, to}; null = the kernel picks (off)';

const orNull = <T extends TSchema>(schema: T, defaultValue: Static<T> | null, description: string) => Type.Union([schema, Type.Null()], { default: defaultValue, description });
const count = (min: number, max: number, defaultValue: number | null, description: string) => orNull(Type.Integer({ minimum: min, maximum: max }), defaultValue, description);
/** A timeout in ms, or null: off. */
const ms = (defaultValue: number | null, description: string) => orNull(Type.Integer({ minimum: 1, maximum: DAY_MS }), defaultValue, `${description}; ms, null = off`);

/** An HTTP header: an RFC 9110 token as its name; a value without CR, LF or NUL, never shown back in a problem. */
const HEADER_NAME = Type.String({ pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" });
const HEADER_VALUE = Type.String({ pattern: '^[^\\r\\n\\u0000]*$', writeOnly: true, description: 'a header value: no line breaks or NUL' });
/** Headers (name: value), wherever a contract takes them: the client config, a call's preference, a scenario's target. */
export const headersSchema = (description: string, defaultValue?: Record<string, string>) =>
  Type.Record(HEADER_NAME, HEADER_VALUE, { additionalProperties: false, description, ...(defaultValue ? { default: defaultValue } : {}) });

export const POOL_OPTIONS = {
  /** httpx max_connections, aiohttp limit; null = unlimited (undici, fetch). */
  connections: count(1, 65_535, 100, 'max connections per origin (null = unlimited)'),
  /** httpx max_keepalive_connections (clamped to connections, as httpcore does). */
  maxIdle: count(0, 65_535, null, 'idle connections kept (null = all)'),
  /** A connection idle this long is closed, never reused: httpx keepalive_expiry. */
  keepAliveMs: Type.Integer({ minimum: 0, maximum: DAY_MS, default: 4_000, description: 'idle expiry in ms (0 = close after each response)' }),
  /**
   * Follow the server's `Keep-Alive: timeout=N` hint as undici does (undici, fetch, openai-node): the expiry
   * becomes min(N s − 2 s, keepAliveMaxMs), longer or shorter than keepAliveMs, and a hint of 2 s or less
   * closes the connection after the response; or ignore it (httpx, aiohttp, reqwest).
   */
  honorKeepAliveHint: Type.Boolean({ default: true, description: "follow the server's Keep-Alive: timeout=N hint as undici does: expiry min(N s - 2 s, pool.keepAliveMaxMs)" }),
  /** undici keepAliveMaxTimeout: 600 s in the undici, fetch and openai-node presets. */
  keepAliveMaxMs: count(1, DAY_MS, null, "the longest expiry a server's Keep-Alive hint may set (undici keepAliveMaxTimeout); null = pool.keepAliveMs, so a hint can only shorten it"),
  /**
   * `idle-count`: close while more than maxIdle connections are idle (undici has no cap; reqwest
   * pool_max_idle_per_host). `pool-size` (httpcore 0.16 `_close_expired_connections`): a connection
   * released with nobody waiting is closed while the pool, busy and idle together, holds more than
   * maxIdle, so above maxIdle requests in flight every request opens a new connection.
   */
  idlePolicy: Type.Enum(['idle-count', 'pool-size'], {
    default: 'idle-count',
    description: 'close idle connections while more than pool.maxIdle are idle (idle-count), or while the pool, busy and idle, holds more than pool.maxIdle (pool-size: httpcore)',
  }),
  /**
   * `next-turn` (undici, fetch): a full event-loop turn later (client-h1 onMessageComplete resumes in
   * setImmediate, and the Pool sends meanwhile to another connection, opening one if it may), so a request
   * sent the moment the last one ended (a redirect followed, a closed loop) goes out on a second connection.
   */
  reuse: Type.Enum(['at-once', 'next-turn'], {
    default: 'at-once',
    description: "when a freed connection takes its next request: at once, or an event-loop turn later as undici's (a request sent meanwhile goes to another connection)",
  }),
  maxRequestsPerConnection: count(1, 1e9, null, 'requests per connection before it is closed (null = never)'),
  /** `undici`: maxRequestsPerClient compares its counter before adding the request. */
  maxRequestsRule: Type.Enum(['exact', 'undici'], { default: 'exact', description: "exact, or undici's maxRequestsPerClient (a connection serves one request more than the limit)" }),
  pipelining: Type.Integer({ minimum: 1, maximum: 1_000, default: 1, description: 'requests in flight per connection (1 = no pipelining; HTTP/2: streams)' }),
  /** `per-request` emulates a new client per request: a new connection each time, closed after. */
  mode: Type.Enum(['shared', 'per-request'], { default: 'shared', description: 'per-request = a new client (connection) per request' }),
  /** Per destination (a NAT gateway's budget); as a user may write it: LOCAL_PORTS_INPUT. */
  localPorts: Type.Union([PORT_RANGE, Type.Null()], { default: null, description: LOCAL_PORTS_DOC }),
  portHoldMs: Type.Integer({ minimum: 0, maximum: DAY_MS, default: 60_000, description: "how long a local port stays unusable after its connection closed (TIME_WAIT's 60 s, or your NAT gateway's hold)" }),
};

/** pool.localPorts as a user may give it: a count (from LOCAL_PORTS_BASE), a range "20000-20999", {from, to}, or null. */
export const LOCAL_PORTS_INPUT = Type.Union(
  [Type.Integer({ minimum: 1, maximum: 65_535 - LOCAL_PORTS_BASE + 1 }), Type.String({ pattern: '^\\d+-\\d+$', description: 'a range such as "20000-20999"' }), PORT_RANGE, Type.Null()],
  { description: LOCAL_PORTS_DOC },
);

/** Each timeout separate, each may be off: as httpx.Timeout, plus body, acquire, attempt and total. */
export const TIMEOUT_OPTIONS = {
  /** httpx connect, aiohttp sock_connect, undici connectTimeout. */
  connect: ms(10_000, 'TCP + TLS handshake'),
  write: ms(null, 'sending the request'),
  /** httpx read, aiohttp sock_read; with readClock `headers-body`, undici headersTimeout. */
  read: ms(300_000, 'to first response byte, and between body chunks (behavior.readClock headers-body: to the headers only)'),
  body: ms(null, "between body chunks, with behavior.readClock headers-body (undici's bodyTimeout)"),
  pool: ms(null, 'waiting for a connection from the pool (behavior.poolTimeout says how)'),
  acquire: ms(null, "waiting for a connection and opening it, one deadline (aiohttp's ClientTimeout.connect)"),
  attempt: ms(null, 'one attempt end to end (or to its headers: behavior.attemptTimeoutEnds)'),
  total: ms(null, 'a whole operation, retries and hedges included'),
};

const group = <P extends Record<string, TSchema>>(properties: P, description: string) => Type.Object(properties, { additionalProperties: false, description });

/** Everything but the four groups: one place, so the input (input.ts) and the resolved config list the same. */
export const TOP_OPTIONS = {
  httpVersion: Type.Enum([1, 2], { default: 1, description: '1 = HTTP/1.1; 2 = HTTP/2 (ALPN over TLS, prior knowledge over http:)' }),
  /** Checked as a URL in resolve.ts, where it can be shown redacted. */
  proxy: orNull(Type.String({ minLength: 1, writeOnly: true }), null, 'an http:// URL of an HTTP CONNECT proxy'),
  headers: headersSchema('extra headers on every request', {}),
  /** Never printed, logged or written to a report (see redactConfig). */
  apiKey: orNull(Type.String({ minLength: 1, writeOnly: true }), null, 'API key (else BASETEN_API_KEY, else OPENAI_API_KEY)'),
  authScheme: Type.Enum(['Bearer', 'Api-Key'], { default: 'Bearer', description: 'Authorization header scheme' }),
  rejectUnauthorized: Type.Boolean({ default: true, description: "verify the server's TLS certificate" }),
};

/** What each group of options is about (the resolved config and the input share them). */
export const GROUP_DOCS = {
  pool: 'connections: how many, how long kept, how reused',
  timeouts: 'each timeout in ms, each separate, each may be off (null)',
  behavior: 'how the client applies its timeouts and connections: where real clients differ',
  retry: 'how the client retries, as that library does it',
};

/** The resolved config: every option set. */
export const CLIENT_CONFIG = Type.Object(
  {
    pool: group(POOL_OPTIONS, GROUP_DOCS.pool),
    timeouts: group(TIMEOUT_OPTIONS, GROUP_DOCS.timeouts),
    behavior: group(BEHAVIOR_OPTIONS, GROUP_DOCS.behavior),
    retry: group(RETRY_OPTIONS, GROUP_DOCS.retry),
    ...TOP_OPTIONS,
  },
  { additionalProperties: false },
);

/**
 * tailgate's defaults when no preset is named, from the declaration: undici's (tailgate runs on it), but
 * with a bounded pool of 100 connections as httpx and aiohttp have, a Keep-Alive hint that may shorten
 * keep-alive but never lengthen it, exact timers, and no retries unless asked for.
 */
export const DEFAULT_CONFIG: Static<typeof CLIENT_CONFIG> = withDefaults(CLIENT_CONFIG, { pool: {}, timeouts: {}, behavior: {}, retry: {} });
