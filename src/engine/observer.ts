/**
 * Typed events the engine emits. Attach an observer to learn everything; attach none and the engine
 * takes no timestamps and builds no records (the hot path checks one field).
 */
import type { TailgateError } from './errors.js';

export type AttemptKind = 'primary' | 'hedge' | 'retry';
export type ClosedBy = 'server' | 'client';

/** One socket's story, from connect to close. The same object is updated in place as it lives. */
export interface SocketInfo {
  /** Unique per engine, in connect order. */
  readonly id: number;
  /** performance.now() when the connect began. */
  readonly openedAt: number;
  /** TCP (+ proxy + TLS) handshake time. */
  connectMs: number;
  /** Requests completed on this socket so far. */
  requestsServed: number;
  /** performance.now() when its last response ended (or when it connected). */
  lastActiveAt: number;
  closedBy: ClosedBy | null;
  /** Why it closed: 'server-fin', 'server-reset', 'keepalive-expired', 'max-idle', 'per-request', 'aborted', 'engine-closed', ... */
  closeReason: string | null;
  closedAt: number | null;
  /** HTTP version negotiated: 'h1' or 'h2'. */
  protocol: 'h1' | 'h2';
}

/** What happened to one attempt. Times are performance.now() ms; durations are ms; null = did not happen. */
export interface AttemptRecord {
  readonly kind: AttemptKind;
  /**
   * Written to a connection (undici began sending it). An attempt that failed before that (pool timeout,
   * connect failure, cancelled while queued) never reached the server; it is reported with its error
   * but is not counted among the attempts sent.
   */
  readonly sent: boolean;
  readonly method: string;
  readonly path: string;
  readonly startedAt: number;
  /** Waiting for a connection from the pool. */
  readonly queueWaitMs: number;
  /** Handshake time when this attempt had to open a new connection, else null. */
  readonly connectMs: number | null;
  /** From the request being written to the first response byte. */
  readonly ttfbMs: number | null;
  /** The whole attempt. */
  readonly totalMs: number;
  /** How long it held its connection (from being granted it to releasing it); null if it never had one. */
  readonly holdMs: number | null;
  readonly status: number | null;
  readonly bytesReceived: number;
  readonly error: TailgateError | null;
  /** The socket it ran on (null when it never got one). */
  readonly socket: SocketInfo | null;
  /** The socket had served a request before this one. */
  readonly reusedSocket: boolean;
  /** Requests the socket had served before this one. */
  readonly requestsBeforeOnSocket: number;
  /** How long the socket sat idle before this reuse (null when new). */
  readonly idleBeforeMs: number | null;
}

/** What the policy decided about a hedge or retry that did not become an attempt, or a race's winner. */
export type PolicyEvent = 'hedge-denied' | 'retry-denied' | 'hedge-won';

export interface EngineObserver {
  onAttemptStart?(attempt: AttemptRecord): void;
  /**
   * Every attempt that was sent, and every one that failed before it could be (with its error). An
   * attempt dropped unsent because its race was already won, or its budget refused it, was never an
   * attempt: it is not reported here (a 'hedge-denied' or 'retry-denied' policy event says so).
   */
  onAttemptEnd?(attempt: AttemptRecord): void;
  onSocketOpen?(socket: SocketInfo): void;
  onSocketClose?(socket: SocketInfo): void;
  /** Budget refusals and hedge wins, from the request policy (PerformanceClient, runner). */
  onPolicyEvent?(event: PolicyEvent): void;
}
