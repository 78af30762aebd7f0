/**
 * One logical request under a policy: a primary attempt, a hedge sent after hedgeDelay while it is still
 * outstanding (first success wins, the loser is aborted on the wire), and retries after retryable
 * failures with full-jitter backoff that honours Retry-After. Hedges and retries spend shared budgets at
 * the moment they are written to a connection (never while they wait for one); every attempt holds a
 * permit of the call's concurrency limit; the operation's signal (cancel, total timeout) aborts
 * everything at once, and timeouts.total bounds each logical request, retries and hedges included.
 */
import { RACE_WON, type AttemptRequest, type AttemptResult, type RaceGroup } from './attempt.js';
import { sleep } from './backoff.js';
import type { Budget } from './budget.js';
import type { Engine } from './engine.js';
import { TailgateError, type ErrorCode } from './errors.js';
import { abortError, type Limiter } from './limiter.js';
import { unwatchSignal, watchSignal, type Cancellable } from './signal-watch.js';
import type { Logger } from './logger.js';
import type { AttemptKind, PolicyEvent } from './observer.js';
import type { RetryConfig } from './config/index.js';
import { decideRetry, firstFinishWins, hedgesAllowed } from './retry-rules.js';

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

type Request = Pick<AttemptRequest, 'method' | 'path' | 'body' | 'onData' | 'discardBody'>;

/** A hedge whose budget refused it when it was about to be sent: it never was an attempt. */
const HEDGE_DENIED = new TailgateError('cancelled', 'hedge not sent: the hedge budget is spent');
/** A retry whose budget refused it when it was about to be sent: the request fails with its last error. */
const RETRY_DENIED = new TailgateError('cancelled', 'retry not sent: the retry budget is spent');
/** Shared, so a won race costs no Error (and no stack capture). */
const LOST_RACE = new TailgateError('cancelled', 'another attempt of this request won');

/** One logical request's state across its rounds. */
class Logical {
  readonly id: string;
  readonly deadline: number | null;
  sent = 0;

  readonly policy: CallPolicy;

  constructor(
    readonly shared: ClientShared,
    policy: CallPolicy,
    readonly request: Request,
    started: number,
  ) {
    this.policy = policy;
    this.id = `${shared.requestIdPrefix}-${(shared.nextRequestNo++).toString(36)}`;
    if (policy.budgetPerRequest !== null) this.policy = { ...policy, callBudget: { ...policy.budgetPerRequest } };
    const totalMs = shared.engine.config.timeouts.total;
    const own = totalMs === null ? null : started + totalMs;
    this.deadline = own === null ? policy.deadline : policy.deadline === null ? own : Math.min(own, policy.deadline);
  }

  /** The attempt as the engine takes it: labelled, bounded by the deadline, charged when it is sent. */
  attempt(kind: AttemptKind, retryNo: number, signal: AbortSignal, race?: RaceGroup): Promise<AttemptResult> {
    const { shared, policy, request } = this;
    const headers: Record<string, string> = { ...policy.headers };
    headers[shared.requestIdHeader] = `${this.id}-${kind === 'retry' ? `retry${retryNo}` : kind}`;
    return shared.engine.attempt({
      method: request.method,
      path: request.path,
      body: request.body,
      onData: request.onData,
      discardBody: request.discardBody,
      kind,
      signal,
      headers,
      race,
      beforeSend: () => this.beforeSend(kind),
      totalRemainingMs: this.deadline === null ? undefined : this.deadline - performance.now(),
      attemptTimeoutMs: policy.attemptTimeoutMs ?? undefined,
    });
  }

  /** At the moment of writing: take the budget token (or refuse), earn tokens for a primary, count it. */
  /** Whether the retry about to be sent spends a budget token (decided when it was planned). */
  retryBudgeted = true;

  private beforeSend(kind: AttemptKind): TailgateError | null {
    const { shared } = this;
    if (kind === 'hedge' && !takeToken(this.policy, shared, 'hedge')) {
      shared.listener.onEvent('hedge-denied');
      return HEDGE_DENIED;
    }
    if (kind === 'retry' && this.retryBudgeted && !takeToken(this.policy, shared, 'retry')) {
      shared.listener.onEvent('retry-denied');
      return RETRY_DENIED;
    }
    if (kind === 'primary') {
      shared.hedgeBudget.earn();
      shared.retryBudget.earn();
    }
    this.sent++;
    shared.listener.onSent(kind);
    return null;
  }
}

/** Take a hedge or retry token: from the call's own budget if it has one, else the client's shared one. */
function takeToken(policy: CallPolicy, shared: ClientShared, kind: 'hedge' | 'retry'): boolean {
  const own = policy.callBudget;
  if (own === null) return (kind === 'hedge' ? shared.hedgeBudget : shared.retryBudget).tryTake();
  if (own[kind] < 1) return false;
  own[kind]--;
  return true;
}

function canTakeToken(policy: CallPolicy, shared: ClientShared, kind: 'hedge' | 'retry'): boolean {
  const own = policy.callBudget;
  return own === null ? (kind === 'hedge' ? shared.hedgeBudget : shared.retryBudget).canTake() : own[kind] >= 1;
}

/** Run one logical request to its first success, or its final failure. */
export async function runLogical(shared: ClientShared, policy: CallPolicy, request: Request): Promise<LogicalResult> {
  const started = performance.now();
  const logical = new Logical(shared, policy, request, started);
  let lastError: TailgateError | null = null;
  for (let retryNo = 0; ; retryNo++) {
    const kind: AttemptKind = retryNo === 0 ? 'primary' : 'retry';
    try {
      const hedge = policy.hedgeDelayMs !== null && hedgesAllowed(policy.retry.style, retryNo);
      const response = hedge ? await race(logical, kind, retryNo, policy.hedgeDelayMs as number) : await single(logical, kind, retryNo);
      return { response, durationMs: performance.now() - started, attempts: logical.sent };
    } catch (caught) {
      // A retry its budget refused at the last moment: the request fails with what made it retry.
      if (caught === RETRY_DENIED && lastError !== null) throw lastError;
      lastError = caught as TailgateError;
    }
    await waitBeforeRetry(logical, lastError, retryNo);
  }
}

/** No hedging, no race: one attempt at a time, with no promise or closure beyond the attempt's own. */
async function single(logical: Logical, kind: AttemptKind, retryNo: number): Promise<AttemptResult> {
  const { limiter, signal } = logical.policy;
  if (!limiter.tryAcquire()) await limiter.acquire(signal);
  try {
    return await logical.attempt(kind, retryNo, signal);
  } finally {
    limiter.release();
  }
}

/** Throw `error` unless the client's rules retry it and a retry fits the budget and the deadline; else wait. */
async function waitBeforeRetry(logical: Logical, error: TailgateError, retryNo: number): Promise<void> {
  const { shared, policy } = logical;
  if (policy.signal.aborted) throw abortError(policy.signal);
  if (!(error instanceof TailgateError) || retryNo >= policy.retry.maxRetries) throw error;
  const decision = decideRetry(policy.retry, error, retryNo, shared.random);
  if (!decision.retry) throw error;
  // If the wait passes the deadline, fail now and charge nothing.
  if (logical.deadline !== null && performance.now() + decision.waitMs >= logical.deadline) throw error;
  logical.retryBudgeted = decision.budgeted;
  // The token is taken when the retry is sent; a budget already empty is not worth waiting for.
  if (decision.budgeted && !canTakeToken(policy, shared, 'retry')) {
    shared.listener.onEvent('retry-denied');
    shared.logger.debug(`retry budget spent: not retrying ${logical.id} after ${error.code}`);
    throw error;
  }
  shared.logger.debug(`retrying ${logical.id} in ${decision.waitMs.toFixed(0)} ms after ${error.code}`);
  await sleep(decision.waitMs, policy.signal).catch(() => {
    throw abortError(policy.signal);
  });
}

/**
 * One round: the primary (or a retry) and, after hedgeDelay while it is outstanding, one hedge. Resolves
 * with the first success; rejects with the last failure once nothing is outstanding. An attempt still
 * waiting for a permit or a connection when the race is won is dropped unsent (RaceGroup).
 */
function race(logical: Logical, first: AttemptKind, retryNo: number, hedgeDelayMs: number): Promise<AttemptResult> {
  const { shared, policy } = logical;
  return new Promise((resolve, reject) => {
    const group: RaceGroup = { won: false };
    // Losers are aborted through one controller for the race; the call's own signal aborts it too.
    const controller = new AbortController();
    const onCallAbort: Cancellable = { onSignalAbort: () => controller.abort(policy.signal.reason) };
    if (policy.signal.aborted) onCallAbort.onSignalAbort();
    else watchSignal(policy.signal, onCallAbort);
    let live = 0;
    let done = false;
    let lastError: TailgateError | null = null;
    let hedgeTimer: NodeJS.Timeout | null = null;

    const finish = () => {
      done = true;
      if (hedgeTimer !== null) clearTimeout(hedgeTimer);
      unwatchSignal(policy.signal, onCallAbort);
    };
    const failed = (err: TailgateError) => {
      live--;
      // Dropped hedges never happened; anything else is this round's latest failure.
      const real = err !== HEDGE_DENIED && err !== RACE_WON;
      if (real) lastError = err;
      if (done) return;
      // Baseten's client: the first attempt to finish ends the race, even with an error.
      if (live > 0 && !(real && firstFinishWins(policy.retry.style) && lastError === err)) return;
      finish();
      group.won = true; // nothing still queued may go out now
      if (live > 0) controller.abort(LOST_RACE);
      reject(lastError ?? abortError(policy.signal));
    };
    const succeeded = (kind: AttemptKind, response: AttemptResult) => {
      live--;
      if (done) return;
      finish();
      if (kind === 'hedge') shared.listener.onEvent('hedge-won');
      if (live > 0) controller.abort(LOST_RACE); // the others lost: abort them (an h1 abort closes their connection)
      resolve(response);
    };
    const launch = (kind: AttemptKind) => {
      live++;
      policy.limiter.acquire(controller.signal).then(
        () => {
          if (done) {
            policy.limiter.release();
            live--;
            return;
          }
          logical.attempt(kind, retryNo, controller.signal, group).then(
            (response) => {
              policy.limiter.release();
              succeeded(kind, response);
            },
            (err: TailgateError) => {
              policy.limiter.release();
              failed(err);
            },
          );
        },
        (err: TailgateError) => failed(err),
      );
    };

    launch(first);
    hedgeTimer = setTimeout(() => {
      hedgeTimer = null;
      if (done || live === 0) return;
      // Not worth a permit and a place in the pool queue when the budget is already spent.
      if (!canTakeToken(policy, shared, 'hedge')) shared.listener.onEvent('hedge-denied');
      else launch('hedge');
    }, hedgeDelayMs);
  });
}
