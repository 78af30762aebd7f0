/**
 * One HTTP attempt: waits for a connection, is written, read and classified. The Attempt object is at
 * once the pool waiter, undici's dispatch handler, the result and the record an observer receives (its
 * base class, attempt-record.ts), so an attempt costs one object and at most one promise (none with an
 * owner: attempt-owners.ts). Timeouts are our own timers, armed only when configured: pool (waiting),
 * write (request being sent), read (to first byte, refreshed per body chunk), body, attempt, total.
 */
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import { classifyError, codeForStatus, staleWindowMs, TailgateError, type ErrorCode } from '../errors.js';
import type { AttemptKind, SocketInfo } from '../observer.js';
import { unwatchSignal, watchSignal, WATCH_LIST, WATCH_NEXT, WATCH_PREV, type Cancellable, type HttpMethod, type WatchList } from '../../util/index.js';
import { markClosedByClient } from './connector.js';
import { timerDelayMs } from './deadlines.js';
import type { Connection } from './connection.js';
import type { PoolWaiter } from './pool.js';
import { tellOwnerSoon } from './attempt-owners.js';
import { requestHeaders } from './attempt-record.js';
import { AttemptTimers } from './attempt-timers.js';
import { RACE_WON, type AttemptContext, type AttemptOwner, type AttemptRequest, type AttemptResult } from './request.js';

const ERROR_BODY_LIMIT = 4096;

/** After the read that brought an error answer's headers: its body is dropped (ErrorBodyPolicy). */
function onDiscard(attempt: Attempt): void {
  attempt.discardBody();
}

export class Attempt extends AttemptTimers implements PoolWaiter, AttemptResult, Dispatcher.DispatchHandler, Cancellable {
  readonly kind: AttemptKind;
  readonly method: HttpMethod;
  readonly path: string;
  waiting = false;
  sent = false;
  /** A POST where behavior.multiplex is `idempotent`: undici writes it only on a connection with nothing in flight (PoolWaiter). */
  readonly exclusive: boolean;

  private readonly timed: boolean;
  private conn: Connection | null = null;
  private abortFn: ((err: Error) => void) | null = null;
  private pendingError: TailgateError | null = null;
  private settled = false;
  private queued = false;
  private responseStarted = false;
  /** When the request had been written in full (read only when timed, or on a reused socket). */
  private sentAt = 0;
  private grantedAt = 0;
  /** Dropped unsent (race won, budget refused): not an attempt, not reported to the observer. */
  private dropped = false;
  private resolve!: (r: AttemptResult) => void;
  private reject!: (e: TailgateError) => void;
  /** Settles when the attempt ends; null when an owner is told instead. */
  readonly promise: Promise<AttemptResult> | null;
  readonly #owner: AttemptOwner | null;
  /** Its place among the watchers of its signal (signal-watch.ts), declared so its shape never changes. */
  [WATCH_LIST]: WatchList | null = null;
  [WATCH_PREV]: Cancellable | null = null;
  [WATCH_NEXT]: Cancellable | null = null;

  // ES-private (not TS-private) so that spreading or serialising a record can never expose the
  // engine's headers (Authorization) or the request body.
  readonly #ctx: AttemptContext;
  readonly #req: AttemptRequest;

  constructor(ctx: AttemptContext, req: AttemptRequest, owner: AttemptOwner | null = null) {
    super();
    this.#ctx = ctx;
    this.#req = req;
    this.#owner = owner;
    this.kind = req.kind ?? 'primary';
    this.method = req.method;
    this.path = req.path;
    this.exclusive = ctx.idempotentOnly && req.method !== 'GET' && req.method !== 'HEAD';
    this.timed = ctx.observer !== undefined;
    this.promise =
      owner !== null
        ? null
        : new Promise<AttemptResult>((resolve, reject) => {
            this.resolve = resolve;
            this.reject = reject;
          });
  }

  /** Begin, and settle the promise when it ends (an attempt made without an owner). */
  start(): Promise<AttemptResult> {
    this.begin();
    return this.promise as Promise<AttemptResult>;
  }

  /** Begin: arm the attempt-wide timers, then ask the pool for a connection. */
  begin(): void {
    const ctx = this.#ctx;
    const req = this.#req;
    if (this.timed) {
      this.startedAt = performance.now();
      ctx.observer?.onAttemptStart?.(this);
    }
    const signal = req.signal;
    if (signal) {
      if (signal.aborted) {
        this.fail(new TailgateError('cancelled', 'cancelled before it was sent'));
        return;
      }
      watchSignal(signal, this);
    }
    this.armAttemptTimers(ctx, req);
    if (this.settled) return;
    const conn = ctx.pool.acquire(this, this.startedAt);
    if (conn) this.grant(conn);
    else {
      this.waiting = true;
      this.queued = true;
      const poolMs = ctx.timeouts.pool;
      if (poolMs !== null) {
        if (ctx.behavior.poolTimeout === 'per-wait') this.waitingSince = performance.now();
        this.armPhase(poolMs, 'pool_timeout', poolMs);
      }
    }
  }

  grant(conn: Connection): void {
    this.waiting = false;
    this.clearPhaseTimer();
    this.conn = conn;
    // Granted at once (the common case) means no wait: no clock read needed.
    if (this.timed) {
      if (this.queued) {
        this.grantedAt = performance.now();
        this.queueWaitMs = this.grantedAt - this.startedAt;
      } else this.grantedAt = this.startedAt;
    }
    this.queued = false;
    // A connection with a live socket is ready: the acquire deadline is met (a new one meets it on connect).
    if (this.acquireTimer !== null && conn.socket !== null) this.clearAcquireTimer();
    if (this.settled || this.#req.race?.won) {
      // Gave up in the same tick the connection arrived, or a sibling already won: hand it straight back.
      this.conn = null;
      this.#ctx.pool.release(conn);
      if (!this.settled) this.drop(RACE_WON);
      return;
    }
    const ctx = this.#ctx;
    const req = this.#req;
    if (conn.inFlight > conn.refuseAbove) {
      // A stream over the server's HTTP/2 limit, from a client that ignores it (httpcore 0.16): refused.
      this.conn = null;
      ctx.pool.release(conn);
      this.settle(new TailgateError('protocol_error', `HTTP/2 stream refused: over the server's SETTINGS_MAX_CONCURRENT_STREAMS (${conn.refuseAbove}), which this client ignores`));
      return;
    }
    const headers = requestHeaders(ctx.baseHeaders, req);
    conn.client.dispatch(
      {
        method: req.method,
        path: ctx.basePath ? ctx.basePath + req.path : req.path,
        headers,
        body: req.body ?? null,
        // undici never sends a non-idempotent request (POST) while another is in flight on the connection,
        // which serializes every POST on an HTTP/2 session. tailgate decides retries itself, and undici
        // retries nothing, so every request may be multiplexed and pipelined, unless the preset reproduces
        // undici (behavior.multiplex `idempotent`: undici's own rule, GET and HEAD only).
        idempotent: ctx.idempotentOnly ? undefined : true,
      },
      this,
    );
  }

  // ---- undici dispatch handler (the legacy shape: undici calls it without a wrapper) ----

  onConnect(abort: (err?: Error) => void): void {
    if (this.settled) {
      // Gave up while its connection was being opened. Thrown, not aborted: undici then drops the
      // request unwritten and keeps the new connection (its abort would destroy the socket).
      throw this.pendingError ?? RACE_WON;
    }
    this.abortFn = abort;
    if (this.acquireTimer !== null) this.clearAcquireTimer();
    const req = this.#req;
    const veto = req.race?.won ? RACE_WON : (req.gate?.beforeSend(this.kind) ?? null);
    if (veto !== null) {
      // Thrown, not aborted: undici then drops the request unwritten and keeps the connection (its abort
      // would destroy the socket). onError receives the veto and drops the attempt.
      this.abortFn = null;
      this.dropped = true;
      throw veto;
    }
    this.sent = true;
    const info = (this.conn?.socket?.tailgate ?? null) as SocketInfo | null;
    this.socket = info;
    if (info) {
      this.requestsBeforeOnSocket = info.requestsServed;
      this.reusedSocket = info.requestsServed > 0;
      if (this.timed) {
        if (this.reusedSocket) this.idleBeforeMs = performance.now() - info.lastActiveAt;
        else if (info.openedAt >= this.startedAt) this.connectMs = info.connectMs;
      }
    }
    const writeMs = this.#ctx.timeouts.write;
    if (writeMs !== null) this.armPhase(writeMs, 'write_timeout', writeMs);
  }

  onRequestSent(): void {
    const socket = this.conn?.socket;
    if (this.phaseTimer !== null && socket && socket.writableLength > 0 && this.socket?.protocol === 'h1') {
      // undici hands the whole body to Node's socket buffer at once; it is only sent once that drains
      // into the kernel. Until then this is still the write phase (httpx's meaning of a write timeout).
      socket.once('drain', () => {
        if (!this.settled) this.onRequestSent();
      });
      return;
    }
    this.clearPhaseTimer();
    // The write's end is needed to tell a stale socket from a later reset (reused sockets only).
    if (this.timed || this.reusedSocket) this.sentAt = performance.now();
    const readMs = this.#ctx.timeouts.read;
    if (readMs !== null && !this.settled) this.armPhase(timerDelayMs(readMs, 'read', this.#ctx.behavior), 'read_timeout', readMs);
  }

  onResponseStarted(): void {
    this.responseStarted = true;
    if (this.timed) this.ttfbMs = performance.now() - (this.sentAt || this.startedAt);
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], _resume: () => void): boolean {
    this.responseStarted = true;
    // openai-node's timeout ends once the headers are in: the body may take as long as it takes.
    if (this.attemptEndsAtHeaders && this.attemptTimer !== null) {
      clearTimeout(this.attemptTimer);
      this.attemptTimer = null;
    }
    this.status = statusCode;
    this.rawHeaders = rawHeaders;
    // A client that will retry this error drops its body: see after this read whether it all arrived.
    if (statusCode >= 400 && this.#req.errorBody?.discards(statusCode, this.headers)) process.nextTick(onDiscard, this);
    // The body's clock: the read timeout again (per-read), or a body timeout of its own (undici's two clocks).
    const ctx = this.#ctx;
    const bodyMs = ctx.bodyTimeoutMs;
    if (bodyMs === ctx.timeouts.read) this.touchPhase();
    else {
      this.clearPhaseTimer();
      if (bodyMs !== null) this.armPhase(timerDelayMs(bodyMs, 'read', ctx.behavior), 'read_timeout', bodyMs);
    }
    this.#req.onResponseHeaders?.(statusCode, rawHeaders);
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.bytesReceived += chunk.length;
    this.touchPhase();
    const onData = this.#req.onData;
    if (onData) onData(chunk);
    else if (!this.#req.discardBody || this.status >= 400) (this.chunks ??= []).push(chunk);
    return true;
  }

  onComplete(): void {
    const now = this.timed ? performance.now() : 0;
    this.finishOnSocket(now);
    if (this.settled) return;
    const code = codeForStatus(this.status);
    if (code === null) this.settle(null, now);
    else this.settle(new TailgateError(code, `HTTP ${this.status} from ${this.method} ${this.path}`, { status: this.status, headers: this.headers, body: this.body.subarray(0, ERROR_BODY_LIMIT).toString('utf8') }));
  }

  /**
   * The error answer's body is dropped (ErrorBodyPolicy). Complete already (it came with the headers):
   * nothing to do. Else the request is aborted as any other (fail: its h1 connection closes, and undici
   * opens a replacement where the preset says it does), and the attempt ends with the status it had.
   */
  discardBody(): void {
    if (this.settled) return;
    this.fail(new TailgateError(codeForStatus(this.status) as ErrorCode, `HTTP ${this.status} from ${this.method} ${this.path} (body dropped)`, { status: this.status, headers: this.headers }));
  }

  onError(err: Error): void {
    if (this.dropped) {
      this.finishOnSocket(0);
      this.drop(err as TailgateError);
      return;
    }
    const needsClock = this.timed || (this.sent && this.reusedSocket && this.sentAt > 0);
    const now = needsClock ? performance.now() : 0;
    const error =
      this.pendingError ??
      classifyError(err, {
        dispatched: this.sent,
        reusedSocket: this.reusedSocket,
        responseStarted: this.responseStarted,
        msSinceWritten: this.sentAt > 0 ? now - this.sentAt : null,
        staleWindowMs: staleWindowMs(this.socket?.connectMs ?? 0),
      });
    this.finishOnSocket(now);
    if (!this.settled) this.settle(error, now);
  }

  onUpgrade(): void {
    this.onError(new TailgateError('protocol_error', 'unexpected protocol upgrade'));
  }

  // ---- internals ----

  /** Give up with `err`: from a timer or a cancel. Undici, if it has the request, reports back via onError. */
  fail(err: TailgateError): void {
    if (this.settled || this.pendingError) return;
    this.pendingError = err;
    if (this.abortFn) {
      const socket = this.conn?.socket;
      // undici's own timers (headers, body) fail the request without that reconnect; an abort from outside
      // (a signal, a timeout made of one) goes through undici's abort.
      const undiciAbort = this.#ctx.behavior.abortReconnects && err.code !== 'read_timeout' && err.code !== 'write_timeout';
      if (socket && this.socket?.protocol === 'h1' && socket.tailgate === this.socket && !undiciAbort) {
        // Aborting an h1 request means closing its connection. Do it ourselves, with our error: undici's
        // own abort destroys the socket with an informational error that leaves the dead request queued,
        // and undici then opens a fresh connection for it (kept only where a preset reproduces undici).
        markClosedByClient(socket, 'aborted');
        socket.destroy(err);
      } else this.abortFn(err);
      if (!this.settled) this.settle(err);
      return;
    }
    this.waiting = false;
    const conn = this.conn;
    if (conn && conn.pendingSocket && conn.inFlight === 1) {
      // Still connecting: stop the handshake so the connection is freed now, not at the OS timeout.
      conn.pendingSocket.destroy();
    }
    // Never sent, and a sibling won: it never was an attempt.
    if (this.#req.race?.won) this.drop(err);
    else this.settle(err);
  }

  /** The request's signal aborted. */
  onSignalAbort(): void {
    const reason: unknown = this.#req.signal?.reason;
    if (reason instanceof TailgateError) {
      // The caller says why (total_timeout, a lost hedge race): keep its code.
      this.fail(reason);
      return;
    }
    const detail = reason instanceof Error ? reason.message : reason === undefined ? '' : String(reason);
    this.fail(new TailgateError('cancelled', `cancelled${detail ? `: ${detail}` : ''}`, { cause: reason }));
  }

  /** A timer fired (attempt-timers.ts decided it is final): give up with its error. */
  protected timedOut(code: ErrorCode, ms: number): void {
    const what = code === 'connect_timeout' ? 'acquire (a connection, waiting and connecting)' : code.replace('_timeout', '');
    this.fail(new TailgateError(code, `${what} timeout: ${ms} ms elapsed (${this.method} ${this.path})`, { afterHeaders: this.responseStarted }));
  }

  protected lastPoolRelease(): number | null {
    return this.#ctx.behavior.poolTimeout === 'per-wait' ? this.#ctx.pool.lastReleaseAt : null;
  }

  /** undici is done with the request: count it on the socket and hand the connection back. */
  private finishOnSocket(now: number): void {
    const conn = this.conn;
    if (conn === null) return;
    this.conn = null;
    const info = this.socket;
    if (info !== null && this.sent) {
      info.requestsServed++;
      if (this.timed) info.lastActiveAt = now;
    }
    if (this.timed && now > 0) this.holdMs = now - this.grantedAt;
    this.#ctx.pool.release(conn, now);
  }

  /** End unsent and unreported: it never was an attempt (its race was won, or its budget said no). */
  private drop(err: TailgateError): void {
    this.dropped = true;
    this.settle(err);
  }

  /** `now` is the caller's clock reading when it has one (saves reading it twice). */
  private settle(error: TailgateError | null, now = 0): void {
    this.settled = true;
    this.clearTimers();
    const signal = this.#req.signal;
    if (signal) unwatchSignal(signal, this);
    this.error = error;
    // The first success decides its race at once (see RaceGroup).
    if (error === null && this.#req.race) this.#req.race.won = true;
    const observer = this.#ctx.observer;
    if (observer !== undefined && !this.dropped) {
      this.totalMs = (now || performance.now()) - this.startedAt;
      // Gave up while still waiting for a connection: all of it was queue time.
      if (this.queued) this.queueWaitMs = this.totalMs;
      observer.onAttemptEnd?.(this);
    }
    if (this.#owner !== null) tellOwnerSoon(this);
    else if (error) this.reject(error);
    else this.resolve(this);
  }

  /** Tell the owner it ended (from tellOwners only). */
  tellOwner(): void {
    (this.#owner as AttemptOwner).attemptEnded(this);
  }
}
