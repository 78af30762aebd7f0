/**
 * One HTTP attempt: waits for a connection, is written, read and classified. The Attempt object is at
 * once the pool waiter, undici's dispatch handler, the result, and the record an observer receives, so an
 * attempt costs one object and one promise. Timeouts are our own timers, armed only when configured:
 * pool (waiting), write (request being sent), read (to first byte, refreshed per body chunk),
 * attempt (end to end) and the caller's total deadline.
 *
 * Longer than the ~300 lines a file is meant to hold, on purpose: this is the per-request hot path, and
 * the class is one object because it plays four parts. Splitting its methods into other modules (free
 * functions taking the attempt, or a base class for the result side) would add a call or a prototype
 * hop to every request for no gain; its types and RACE_WON live in request.ts, so what remains here
 * is the class alone.
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
import { RACE_WON, type AttemptContext, type AttemptOwner, type AttemptRequest, type AttemptResult } from './request.js';

const ERROR_BODY_LIMIT = 4096;

/** One shared timer callback (the attempt rides in setTimeout's arguments): no closure per timer. */
function onTimeout(attempt: Attempt, code: ErrorCode, ms: number): void {
  attempt.timerFired(code, ms);
}
const EMPTY = Buffer.alloc(0);

/**
 * Attempts with an owner that have ended, told in order from one microtask: no promise per attempt, and
 * never from inside undici's callbacks (the owner may dispatch the next request at once).
 */
const ended: (Attempt | undefined)[] = [];
let endedScheduled = false;
/** Scheduling through a settled promise: queueMicrotask would add an AsyncResource and a bound function each time. */
const SETTLED = Promise.resolve();

function tellOwners(): void {
  let i = 0;
  try {
    // Owners told here may end more attempts (one that fails at once): they join this same pass.
    for (; i < ended.length; i++) {
      const a = ended[i] as Attempt;
      ended[i] = undefined;
      a.tellOwner();
    }
  } finally {
    if (i < ended.length - 1) {
      // An owner threw: the rest are told from a new microtask, and the error goes on up.
      ended.splice(0, i + 1);
      void SETTLED.then(tellOwners);
    } else {
      ended.length = 0;
      endedScheduled = false;
    }
  }
}

export class Attempt implements PoolWaiter, AttemptResult, Dispatcher.DispatchHandler, Cancellable {
  readonly kind: AttemptKind;
  readonly method: HttpMethod;
  readonly path: string;
  waiting = false;
  sent = false;

  startedAt = 0;
  queueWaitMs = 0;
  connectMs: number | null = null;
  ttfbMs: number | null = null;
  totalMs = 0;
  holdMs: number | null = null;
  status = 0;
  bytesReceived = 0;
  error: TailgateError | null = null;
  socket: SocketInfo | null = null;
  reusedSocket = false;
  requestsBeforeOnSocket = 0;
  idleBeforeMs: number | null = null;

  private readonly timed: boolean;
  private conn: Connection | null = null;
  private abortFn: ((err: Error) => void) | null = null;
  private pendingError: TailgateError | null = null;
  private settled = false;
  private queued = false;
  private responseStarted = false;
  private rawHeaders: Buffer[] | null = null;
  private parsedHeaders: Record<string, string> | null = null;
  private chunks: Buffer[] | null = null;
  private bodyBuffer: Buffer | null = null;
  /** When the request had been written in full (read only when timed, or on a reused socket). */
  private sentAt = 0;
  private grantedAt = 0;
  /** Dropped unsent (race won, budget refused): not an attempt, not reported to the observer. */
  private dropped = false;
  private phaseTimer: NodeJS.Timeout | null = null;
  private attemptTimer: NodeJS.Timeout | null = null;
  /** timeouts.acquire: from the start until a connection is ready to write on. */
  private acquireTimer: NodeJS.Timeout | null = null;
  /** When it began waiting for a connection (read only for per-wait pool timeouts). */
  private waitingSince = 0;
  /** The attempt timer (not a total one) stops at the response headers (openai-node). */
  private attemptEndsAtHeaders = false;
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
    this.#ctx = ctx;
    this.#req = req;
    this.#owner = owner;
    this.kind = req.kind ?? 'primary';
    this.method = req.method;
    this.path = req.path;
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
    // Both bound the attempt (a call's own timeout and the config's): the tighter one wins.
    const configured = ctx.timeouts.attempt;
    const own = req.attemptTimeoutMs;
    const attemptMs = own === undefined ? configured : configured === null ? own : Math.min(own, configured);
    const totalMs = req.totalRemainingMs ?? ctx.timeouts.total ?? undefined;
    const behavior = ctx.behavior;
    if (totalMs !== undefined && (attemptMs === null || totalMs <= attemptMs)) {
      const ms = Math.max(totalMs, 0);
      this.attemptTimer = setTimeout(onTimeout, timerDelayMs(ms, 'total', behavior), this, 'total_timeout', totalMs);
    } else if (attemptMs !== null) {
      this.attemptTimer = setTimeout(onTimeout, attemptMs, this, 'attempt_timeout', attemptMs);
      this.attemptEndsAtHeaders = behavior.attemptTimeoutEnds === 'headers';
    }
    const acquireMs = ctx.timeouts.acquire;
    if (acquireMs !== null) this.acquireTimer = setTimeout(onTimeout, timerDelayMs(acquireMs, 'acquire', behavior), this, 'connect_timeout', acquireMs);
    if (this.settled) return;
    const conn = ctx.pool.acquire(this, this.startedAt);
    if (conn) this.grant(conn);
    else {
      this.waiting = true;
      this.queued = true;
      const poolMs = ctx.timeouts.pool;
      if (poolMs !== null) {
        if (behavior.poolTimeout === 'per-wait') this.waitingSince = performance.now();
        this.phaseTimer = setTimeout(onTimeout, poolMs, this, 'pool_timeout', poolMs);
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
    let headers = ctx.baseHeaders;
    const idHeader = req.requestIdHeader;
    if (req.headers || idHeader !== undefined) {
      headers = headers.slice();
      let idSent = idHeader === undefined;
      if (req.headers) {
        for (const name in req.headers) {
          // A header of the request id's name keeps its place and takes the id (as a spread and assign would).
          if (name === idHeader) {
            headers.push(name, req.requestId as string);
            idSent = true;
          } else headers.push(name, req.headers[name] as string);
        }
      }
      if (!idSent) headers.push(idHeader as string, req.requestId as string);
    }
    conn.client.dispatch(
      {
        method: req.method,
        path: ctx.basePath ? ctx.basePath + req.path : req.path,
        headers,
        body: req.body ?? null,
        // undici never sends a non-idempotent request (POST) while another is in flight on the connection,
        // which would serialize every POST on an HTTP/2 session. tailgate decides retries itself, and
        // undici retries nothing, so every request may be multiplexed and pipelined.
        idempotent: true,
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
    if (writeMs !== null) this.phaseTimer = setTimeout(onTimeout, writeMs, this, 'write_timeout', writeMs);
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
    if (readMs !== null && !this.settled) this.phaseTimer = setTimeout(onTimeout, timerDelayMs(readMs, 'read', this.#ctx.behavior), this, 'read_timeout', readMs);
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
    this.phaseTimer?.refresh();
    this.#req.onResponseHeaders?.(statusCode, rawHeaders);
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.bytesReceived += chunk.length;
    this.phaseTimer?.refresh();
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
    else {
      const body = this.body;
      const message = `HTTP ${this.status} from ${this.method} ${this.path}`;
      this.settle(
        new TailgateError(code, message, {
          status: this.status,
          headers: this.headers,
          body: body.subarray(0, ERROR_BODY_LIMIT).toString('utf8'),
        }),
      );
    }
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

  // ---- the result ----

  get body(): Buffer {
    if (this.bodyBuffer === null) {
      const chunks = this.chunks;
      this.bodyBuffer = chunks === null ? EMPTY : chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      this.chunks = null;
    }
    return this.bodyBuffer;
  }

  get headers(): Record<string, string> {
    if (this.parsedHeaders === null) {
      const out: Record<string, string> = {};
      const raw = this.rawHeaders ?? [];
      for (let i = 0; i + 1 < raw.length; i += 2) {
        const name = (raw[i] as Buffer).toString('latin1').toLowerCase();
        const value = (raw[i + 1] as Buffer).toString('latin1');
        out[name] = name in out ? `${out[name]}, ${value}` : value;
      }
      this.parsedHeaders = out;
    }
    return this.parsedHeaders;
  }

  text(): string {
    return this.body.toString('utf8');
  }

  json<T = unknown>(): T {
    return JSON.parse(this.text()) as T;
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

  timerFired(code: ErrorCode, ms: number): void {
    if (code === 'pool_timeout' && this.#ctx.behavior.poolTimeout === 'per-wait') {
      // httpx: each released connection woke this request, which lost the race and waited the full pool
      // timeout again. It fails only after a whole interval in which no connection was released.
      const lastRelease = this.#ctx.pool.lastReleaseAt;
      const since = performance.now() - lastRelease;
      if (lastRelease > this.waitingSince && since < ms) {
        this.waitingSince = lastRelease;
        this.phaseTimer = setTimeout(onTimeout, ms - since, this, 'pool_timeout', ms);
        return;
      }
    }
    if (code === 'pool_timeout' || code === 'write_timeout' || code === 'read_timeout') this.phaseTimer = null;
    else if (code === 'connect_timeout') this.acquireTimer = null;
    else this.attemptTimer = null;
    const what = code === 'connect_timeout' ? 'acquire (a connection, waiting and connecting)' : code.replace('_timeout', '');
    this.fail(new TailgateError(code, `${what} timeout: ${ms} ms elapsed (${this.method} ${this.path})`, { afterHeaders: this.responseStarted }));
  }

  private clearAcquireTimer(): void {
    clearTimeout(this.acquireTimer as NodeJS.Timeout);
    this.acquireTimer = null;
  }

  private clearPhaseTimer(): void {
    if (this.phaseTimer !== null) {
      clearTimeout(this.phaseTimer);
      this.phaseTimer = null;
    }
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
    this.clearPhaseTimer();
    if (this.attemptTimer !== null) {
      clearTimeout(this.attemptTimer);
      this.attemptTimer = null;
    }
    if (this.acquireTimer !== null) this.clearAcquireTimer();
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
    if (this.#owner !== null) {
      ended.push(this);
      if (!endedScheduled) {
        endedScheduled = true;
        void SETTLED.then(tellOwners);
      }
    } else if (error) this.reject(error);
    else this.resolve(this);
  }

  /** Tell the owner it ended (from tellOwners only). */
  tellOwner(): void {
    (this.#owner as AttemptOwner).attemptEnded(this);
  }
}
