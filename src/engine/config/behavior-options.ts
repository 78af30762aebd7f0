/**
 * How a client applies its settings (`behavior`) and how it retries (`retry`), declared once: each
 * option's range, tailgate's default (no preset) and its doc. Real clients differ here, and users'
 * failures come from the difference; presets.ts sets these as each library does.
 */
import { Type } from '../../util/schema.js';

const oneOf = <const V extends string[]>(values: readonly [...V], defaultValue: V[number], description: string) => Type.Enum(values, { default: defaultValue, description });

export const BEHAVIOR_OPTIONS = {
  /**
   * `per-request`: one deadline from when the request starts waiting. `per-wait` (httpx): every time a
   * connection is released the waiting requests are woken and the losers wait again with the full pool
   * timeout, so PoolTimeout fires only when no connection frees for a whole interval.
   */
  poolTimeout: oneOf(['per-request', 'per-wait'], 'per-request', 'per-wait (httpx): every released connection restarts the pool timeout of the requests still waiting'),
  /** Connect and read timers on a coarse clock (undici's fast timers: 499 ms), firing up to a tick late. */
  timerTickMs: Type.Integer({ minimum: 0, maximum: 10_000, default: 0, description: 'connect and read timers fire on a clock of this tick (undici: 499); 0 = exact' }),
  /** Deadlines over 5 s (connect, acquire) or from 5 s (total) end on a whole second, rounded up (aiohttp's ceil_timeout). */
  ceilTimeouts: Type.Boolean({ default: false, description: "deadlines of 5 s and more end on a whole second (aiohttp's ceil_timeout)" }),
  attemptTimeoutEnds: oneOf(['response', 'headers'], 'response', 'timeouts.attempt stops at the end of the response, or at its headers (openai-node)'),
  /**
   * Aborting a request in flight on HTTP/1.1 closes its connection and, as undici does, opens a new one
   * straight away for the request it just dropped (left idle): one extra connection per abort.
   */
  abortReconnects: Type.Boolean({ default: false, description: 'aborting a request in flight opens a replacement connection at once (undici)' }),
  /**
   * `per-read` (httpx, aiohttp): timeouts.read bounds every wait for data, the headers and each body chunk
   * alike. `headers-body` (undici, fetch): timeouts.read runs until the response headers, then
   * timeouts.body between body chunks: two clocks, each of which may be off.
   */
  readClock: oneOf(
    ['per-read', 'headers-body'],
    'per-read',
    'per-read: timeouts.read bounds every wait for data (httpx, aiohttp); headers-body: timeouts.read to the headers, timeouts.body between chunks (undici)',
  ),
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
  h2Streams: oneOf(
    ['server-limit', 'client-limit', 'ignore-server-limit'],
    'server-limit',
    "HTTP/2: streams per connection up to the server's SETTINGS_MAX_CONCURRENT_STREAMS (more connections), up to pool.pipelining with the rest queued in the session (client-limit: undici), or on one connection with those over the server's limit refused (ignore-server-limit: httpcore 0.16)",
  ),
  /**
   * Which requests share a connection with others in flight (HTTP/1.1 pipelining, HTTP/2 streams). `all`;
   * `idempotent` (undici, fetch, openai-node: client-h1 and client-h2 busy()): a POST is written only on a
   * connection with nothing in flight; its Pool queues one behind a request in flight, and a connection
   * with one queued is busy, so a burst of POSTs takes about a connection each, HTTP/2 or not.
   */
  multiplex: oneOf(['all', 'idempotent'], 'all', 'which requests share a connection with others in flight: all, or GET and HEAD only (undici: a POST takes a connection of its own, on HTTP/2 too)'),
  /**
   * Redirects (301, 302, 303, 307, 308 with a Location on the same origin) followed before the 3xx is
   * returned; 0 = none (undici.request, httpx). fetch and openai-node 20, aiohttp 9 (its max_redirects=10
   * fails on the 10th), openai-python 20 (it sets httpx's follow_redirects). Over the limit the request
   * fails (other: too many redirects).
   */
  maxRedirects: Type.Integer({
    minimum: 0,
    maximum: 100,
    default: 0,
    description: 'same-origin redirects followed, the next one fails (fetch 20; aiohttp 9: its max_redirects=10 fails on the 10th; 0 = none: the 3xx is the answer)',
  }),
  /**
   * The fate of a connection after an error answer the client will retry. `read` (httpx, aiohttp, undici
   * users who read it): the body is read and the connection kept. `cancel-when-retried` (openai-node
   * 6.49 makeRequest: CancelReadableStream before retrying): the body is dropped, so a connection whose
   * body had not all arrived with the headers is closed, and the retry opens a new one.
   */
  errorBody: oneOf(
    ['read', 'cancel-when-retried'],
    'read',
    'an error answer that will be retried: its body read and the connection kept, or dropped (openai-node), closing a connection whose body had not all arrived',
  ),
};

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
 *   for the first two retries; never a failure reading the body; backoff min(initial·4ⁿ, 45 s) + 0–99 ms;
 *   Retry-After ignored; hedges only for the primary and the first retry, and the first attempt to finish
 *   wins, even an error.
 * - `httpx-transport` (httpx.HTTPTransport(retries=N), httpcore 0.16 connection.py): failed connects only
 *   (refused, unreachable, connect timeout), never a status, a read or a pool timeout; waits 0, then
 *   initial·2ⁿ⁻¹ (0, 0.5, 1, 2 … s); no budget.
 */
export const RETRY_STYLES = ['tailgate', 'openai-node', 'openai-python', 'baseten-pc', 'httpx-transport'] as const;

export const RETRY_OPTIONS = {
  style: oneOf(RETRY_STYLES, 'tailgate', 'which statuses and errors are retried, the backoff, Retry-After, budgets: as that client does it'),
  maxRetries: Type.Integer({ minimum: 0, maximum: 100, default: 0, description: 'retries per request (0 = none); a call may ask for another number' }),
  initialBackoffMs: Type.Integer({ minimum: 0, maximum: 600_000, default: 125, description: 'the first backoff (the style says how it grows)' }),
  maxBackoffMs: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 10_000, description: 'the longest backoff' }),
  honorRetryAfter: Type.Boolean({ default: true, description: "wait for the server's Retry-After as the style does; false ignores it (reproduces clients that do)" }),
};
