/**
 * The one error module. Every failure tailgate reports is a TailgateError with a stable `code`
 * (a contract: reports and users' scripts key on them); nothing downstream ever matches on messages.
 */

export const ERROR_CODES = [
  'pool_timeout',
  'connect_timeout',
  'connect_refused',
  'connect_error',
  'port_exhausted',
  'write_timeout',
  'read_timeout',
  'attempt_timeout',
  'total_timeout',
  'stale_connection',
  'connection_reset',
  'tls_error',
  'protocol_error',
  'http_3xx',
  'http_429',
  'http_4xx',
  'http_5xx',
  'cancelled',
  'abandoned',
  'other',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface TailgateErrorDetails {
  /** HTTP status, for http_* codes. */
  status?: number;
  /** Response headers (lower-cased), for http_* codes. */
  headers?: Record<string, string>;
  /** Response body, for http_* codes (capped). */
  body?: string;
  /** The underlying error, when one was translated. */
  cause?: unknown;
  /** The response's headers had arrived: the failure was in its body (clients retry these differently). */
  afterHeaders?: boolean;
  /** port_exhausted: the local port budget, and how many of its ports were in use and held after close. */
  ports?: { budget: number; inUse: number; held: number };
  /** tls_error: what was wrong with the handshake. */
  tlsCause?: TlsCause;
}

export class TailgateError extends Error {
  readonly code: ErrorCode;
  readonly status: number | undefined;
  readonly headers: Record<string, string> | undefined;
  readonly body: string | undefined;
  /** Failed while reading the response body (its headers had arrived). */
  readonly afterHeaders: boolean;
  readonly ports: TailgateErrorDetails['ports'];
  readonly tlsCause: TlsCause | undefined;

  constructor(code: ErrorCode, message: string, details: TailgateErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'TailgateError';
    this.code = code;
    this.status = details.status;
    this.headers = details.headers;
    this.body = details.body;
    this.afterHeaders = details.afterHeaders ?? false;
    this.ports = details.ports;
    this.tlsCause = details.tlsCause;
  }
}

/** Invalid configuration or scenario: nothing was sent. Lists every problem at once. */
export class InvalidInputError extends Error {
  readonly code = 'invalid_input' as const;
  readonly problems: readonly string[];

  constructor(what: string, problems: readonly string[]) {
    super(`invalid ${what}:\n  - ${problems.join('\n  - ')}`);
    this.name = 'InvalidInputError';
    this.problems = problems;
  }
}

/** The target could not be reached at all (before a run or a probe): nothing was measured. */
export class TargetUnreachableError extends Error {
  readonly code = 'target_unreachable' as const;
  constructor(message: string) {
    super(message);
    this.name = 'TargetUnreachableError';
  }
}

export function codeForStatus(status: number): ErrorCode | null {
  if (status < 400) return null;
  if (status === 429) return 'http_429';
  if (status < 500) return 'http_4xx';
  return 'http_5xx';
}

/** Where in the exchange a failure happened; decides stale_connection vs connection_reset. */
export interface FailureContext {
  /** The attempt had been handed a socket and began writing the request. */
  dispatched: boolean;
  /** That socket had already served at least one request (a pooled keep-alive socket). */
  reusedSocket: boolean;
  /** At least one byte of the response had arrived. */
  responseStarted: boolean;
  /**
   * How long ago the request finished being written when the failure was seen; null if it never was
   * (the close was seen before or while writing).
   */
  msSinceWritten: number | null;
  /** About one round trip on this socket (its handshake time), with a floor for a loaded machine. */
  staleWindowMs: number;
}

/**
 * The floor of the stale window: a reset seen this soon after the write may still be the server's kernel
 * answering a request that reached an already closed socket (the dead keep-alive race). On loopback the
 * round trip is microseconds, but a busy machine can take this long to deliver and handle the reset.
 */
export const STALE_WINDOW_FLOOR_MS = 25;

/** The window in which a reset on a reused socket still counts as the dead keep-alive race. */
export function staleWindowMs(connectMs: number): number {
  return Math.max(STALE_WINDOW_FLOOR_MS, 2 * connectMs);
}

const CONNECT_ERROR_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'ENONET',
]);

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'ERR_STREAM_PREMATURE_CLOSE']);

const PROTOCOL_CODES = new Set([
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_HEADERS_OVERFLOW',
  'UND_ERR_INFO',
  'UND_ERR_RESPONSE_EXCEEDED_MAX_SIZE',
  'ERR_HTTP2_ERROR',
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_HTTP2_PROTOCOL_ERROR',
  'ERR_HTTP2_INVALID_SESSION',
]);

/** Why a TLS handshake failed, by the code Node gives it: what a user checks differs for each. */
export type TlsCause = 'self-signed' | 'expired' | 'wrong-host' | 'unknown-ca' | 'handshake';
const TLS_CAUSES: Record<string, TlsCause> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed',
  CERT_HAS_EXPIRED: 'expired',
  CERT_NOT_YET_VALID: 'expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'wrong-host',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unknown-ca',
  UNABLE_TO_GET_ISSUER_CERT: 'unknown-ca',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unknown-ca',
  CERT_UNTRUSTED: 'unknown-ca',
  EPROTO: 'handshake',
  ERR_SSL_WRONG_VERSION_NUMBER: 'handshake',
  ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION: 'handshake',
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: 'handshake',
  ERR_TLS_HANDSHAKE_TIMEOUT: 'handshake',
};
const TLS_WHAT: Record<TlsCause, string> = {
  'self-signed': "the server's certificate is self-signed: trust its CA, or turn verification off for a test server (rejectUnauthorized: false)",
  expired: "the server's certificate is outside its validity dates (expired, or not yet valid: check the server's certificate, and this machine's clock)",
  'wrong-host': "the server's certificate is for another name than the URL's host",
  'unknown-ca': "the server's certificate is signed by a CA this client does not trust (a private CA: give it to the client)",
  handshake: 'the TLS handshake failed (a protocol version or cipher the two sides do not share, or not TLS at all on that port)',
};

/** Translate whatever undici or the socket threw into exactly one TailgateError. */
export function classifyError(err: unknown, ctx: FailureContext): TailgateError {
  if (err instanceof TailgateError) return err;
  const sysCode = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  const code = typeof sysCode === 'string' ? sysCode : '';
  const message = err instanceof Error ? err.message : String(err);
  const wrap = (c: ErrorCode, what: string) => new TailgateError(c, `${what}: ${message}`, { cause: err, afterHeaders: ctx.responseStarted });

  if (code === 'ECONNREFUSED') return wrap('connect_refused', 'connection refused');
  const tls = TLS_CAUSES[code] ?? (code.startsWith('ERR_SSL_') ? 'handshake' : undefined);
  if (tls !== undefined) return new TailgateError('tls_error', `TLS (${tls}): ${TLS_WHAT[tls]}: ${message}`, { cause: err, tlsCause: tls, afterHeaders: ctx.responseStarted });
  if (code === 'EADDRNOTAVAIL' || code === 'EADDRINUSE') return wrap('port_exhausted', 'no local port available');
  if (CONNECT_ERROR_CODES.has(code)) return wrap('connect_error', 'could not reach host');
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || (code === 'ETIMEDOUT' && !ctx.dispatched)) {
    return wrap('connect_timeout', 'connect timed out');
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return wrap('read_timeout', 'read timed out');
  if (code === 'UND_ERR_ABORTED' || code === 'ABORT_ERR') return wrap('cancelled', 'cancelled');
  if (RESET_CODES.has(code) || code === 'ETIMEDOUT' || code === 'UND_ERR_CLOSED' || code === 'UND_ERR_DESTROYED') {
    // The dead keep-alive race only: the close was already on its way when the request went out, so the
    // server cannot have read it. A reset that comes later may follow the server reading (and acting on)
    // the request: that is connection_reset, and a retry of a non-idempotent request is not safe.
    const raced = ctx.msSinceWritten === null || ctx.msSinceWritten <= ctx.staleWindowMs;
    if (ctx.dispatched && ctx.reusedSocket && !ctx.responseStarted && raced) {
      return wrap('stale_connection', 'reused connection was closed before the request could reach the server');
    }
    return wrap('connection_reset', ctx.responseStarted ? 'connection closed mid-response' : 'connection closed after the request was sent: the server may have processed it');
  }
  const name = err instanceof Error ? err.name : '';
  if (code.startsWith('HPE_') || PROTOCOL_CODES.has(code) || name === 'HTTPParserError') {
    return wrap('protocol_error', 'protocol error');
  }
  return wrap('other', 'request failed');
}
