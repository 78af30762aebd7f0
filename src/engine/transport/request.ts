/**
 * What an attempt is asked to do and what it gives back: the request, the race it may belong to, the
 * result, and what it needs from its engine. Types (and the shared RACE_WON error) only, so that the
 * policy and the client can name them without reaching into the Attempt class.
 */
import type { BehaviorConfig, TimeoutConfig } from '../config/index.js';
import { TailgateError } from '../errors.js';
import type { AttemptKind, AttemptRecord, EngineObserver } from '../observer.js';
import type { HttpMethod } from '../../util/index.js';
import type { ConnectionPool } from './pool.js';

export interface AttemptRequest {
  method: HttpMethod;
  /** Path (and query) below the engine's base URL. */
  path: string;
  /** Extra headers for this attempt only. */
  headers?: Record<string, string>;
  body?: string | Uint8Array | null;
  kind?: AttemptKind;
  signal?: AbortSignal;
  /** Count the body's bytes but keep none of it (load generation). */
  discardBody?: boolean;
  /** Receive the body as it arrives instead of buffering it (streaming). */
  onData?: (chunk: Buffer) => void;
  /** Told the status and raw headers as soon as they arrive, before the body (a proxy forwards them on). */
  onResponseHeaders?: (status: number, rawHeaders: Buffer[]) => void;
  /** Time left for the whole operation; past it the attempt fails with total_timeout (default timeouts.total). */
  totalRemainingMs?: number;
  /** This attempt's own end-to-end timeout; with the config's timeouts.attempt, the tighter one applies. */
  attemptTimeoutMs?: number;
  /** The attempts of one logical request that race each other (a hedge and its primary). */
  race?: RaceGroup;
  /** Asked once, at the moment the request is about to be written (see SendGate). */
  gate?: SendGate;
  /** Asked when an error answer's headers arrive: drop its body (see ErrorBodyPolicy). */
  errorBody?: ErrorBodyPolicy;
  /** A request id header added after `headers` (replacing one of the same name there), without a headers object per attempt. */
  requestIdHeader?: string;
  requestId?: string;
}

/**
 * Decides, at the moment an attempt is about to be written to its connection, whether it is sent: null
 * sends it; an error drops it unsent (a budget refused it): it then never was an attempt, its connection
 * stays as it was, and the attempt fails with that error. An object, so no closure per attempt.
 */
export interface SendGate {
  beforeSend(kind: AttemptKind): TailgateError | null;
}

/**
 * The fate of a connection after an error answer (behavior.errorBody): `discards` says, when the headers
 * of an error answer arrive, that the client drops the body unread because it will retry. A body that
 * has not all arrived with the headers then closes its connection (openai-node cancels the stream).
 */
export interface ErrorBodyPolicy {
  discards(status: number, headers: Record<string, string>): boolean;
}

/**
 * Told once when an attempt ends, instead of a promise (the policy's path for a plain round). Always
 * from a microtask, in the order attempts ended: never synchronously from the start, nor from inside
 * undici's callbacks (a new request may be dispatched from it at once).
 */
export interface AttemptOwner {
  attemptEnded(attempt: AttemptResult): void;
}

/**
 * Attempts of one logical request that race each other. The first success sets `won` at once, before
 * any freed connection can be handed on, so a sibling still waiting for a connection is dropped unsent
 * instead of taking one (and being aborted on the wire a moment later).
 */
export interface RaceGroup {
  won: boolean;
}

/** What an attempt dropped unsent because its race was already won rejects with. */
export const RACE_WON = new TailgateError('cancelled', 'not sent: another attempt of this request already won');

/** What a successful attempt gives back. */
export interface AttemptResult extends AttemptRecord {
  readonly status: number;
  readonly body: Buffer;
  /** Response headers, lower-cased names. */
  readonly headers: Record<string, string>;
  text(): string;
  json<T = unknown>(): T;
}

/** Everything an Attempt needs from its engine, resolved once per engine. */
export interface AttemptContext {
  readonly pool: ConnectionPool;
  readonly timeouts: TimeoutConfig;
  /** Between body chunks: timeouts.read (behavior.readClock per-read) or timeouts.body (headers-body). */
  readonly bodyTimeoutMs: number | null;
  readonly behavior: BehaviorConfig;
  /** behavior.multiplex `idempotent`: only GET and HEAD share a connection with other requests in flight. */
  readonly idempotentOnly: boolean;
  readonly observer: EngineObserver | undefined;
  readonly baseHeaders: string[];
  readonly basePath: string;
}
