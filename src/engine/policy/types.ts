/**
 * The shapes the policy works with: what one client shares across its calls, one call's settings, what
 * a logical request gives back, and who hears what the policy decided.
 */
import type { RetryConfig } from '../config/index.js';
import type { AttemptKind, PolicyEvent } from '../observer.js';
import type { Engine } from '../transport/engine.js';
import type { AttemptRequest, AttemptResult } from '../transport/request.js';
import type { Budget } from './budget.js';
import type { Limiter } from './limiter.js';
import type { Logger } from './logger.js';

/** Counts one client keeps across all its calls: attempts as sent, and what its budgets decided. */
export interface PolicyStats {
  primary: number;
  hedge: number;
  retry: number;
  hedgeWon: number;
  hedgeDenied: number;
  retryDenied: number;
}

export function emptyPolicyStats(): PolicyStats {
  return { primary: 0, hedge: 0, retry: 0, hedgeWon: 0, hedgeDenied: 0, retryDenied: 0 };
}

/** Hears what the policy does, once, where it happens: the one source of attempt and budget counts. */
export interface PolicyListener {
  /** An attempt was written to a connection (its budget token, if any, was taken then). */
  onSent(kind: AttemptKind): void;
  onEvent(event: PolicyEvent): void;
}

/** Shared by every call of one client. */
export interface ClientShared {
  engine: Engine;
  hedgeBudget: Budget;
  retryBudget: Budget;
  listener: PolicyListener;
  logger: Logger;
  requestIdPrefix: string;
  requestIdHeader: string;
  nextRequestNo: number;
  random: () => number;
}

/** One call's settings (from its Preference) and its operation-wide signal and deadline. */
export interface CallPolicy {
  limiter: Limiter;
  signal: AbortSignal;
  /** performance.now() by which everything must end, or null. */
  deadline: number | null;
  attemptTimeoutMs: number | null;
  hedgeDelayMs: number | null;
  /** The client's retry rules (its config's, with the call's numbers). */
  retry: RetryConfig;
  /**
   * Budgets of this call alone (Baseten's client: max(2, 1 + ceil(n·pct)) for a call of n requests),
   * taken instead of the client's shared sliding-window budgets; never below zero.
   */
  callBudget: { hedge: number; retry: number } | null;
  /** A session's requests are each a call of their own: each starts with these budgets. */
  budgetPerRequest: { hedge: number; retry: number } | null;
  headers: Record<string, string>;
}

export interface LogicalResult {
  response: AttemptResult;
  /** The logical request end to end, retries and hedges included. */
  durationMs: number;
  /** Attempts written to a connection. */
  attempts: number;
}

/**
 * Told once when a logical request sent without a promise ends (submitLogical, LoadSession.submit), never
 * synchronously from the send: `error` is null on success, else what the request failed with.
 */
export interface LogicalListener<T> {
  logicalEnded(tag: T, error: unknown): void;
}

/** What a logical request sends: the attempt's own fields the policy does not set. */
export type LogicalRequest = Pick<AttemptRequest, 'method' | 'path' | 'body' | 'onData' | 'discardBody'>;
