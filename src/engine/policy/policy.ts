/**
 * One logical request under a policy: a primary attempt, a hedge sent after hedgeDelay while it is still
 * outstanding (race.ts: first success wins, the loser is aborted on the wire), and retries after retryable
 * failures with the client's backoff, honouring Retry-After as its rules say (retry-rules.ts). Hedges and
 * retries spend shared budgets at the moment they are written to a connection (never while they wait for
 * one; logical.ts); every attempt holds a permit of the call's concurrency limit; the operation's signal
 * (cancel, total timeout) aborts everything at once, and timeouts.total bounds each logical request,
 * retries and hedges included.
 */
import { TailgateError } from '../errors.js';
import type { AttemptKind } from '../observer.js';
import type { AttemptOwner, AttemptResult } from '../transport/request.js';
import { sleep } from '../../util/index.js';
import { abortError } from './limiter.js';
import { canTakeToken, Logical, RETRY_DENIED } from './logical.js';
import { race } from './race.js';
import { followRedirects, isRedirect, unfollowedRedirect } from './redirects.js';
import { decideRetry, hedgesAllowed } from './retry-rules.js';
import type { CallPolicy, ClientShared, LogicalListener, LogicalRequest, LogicalResult } from './types.js';

/** Run one logical request to its first success, or its final failure. */
export function runLogical(shared: ClientShared, policy: CallPolicy, request: LogicalRequest): Promise<LogicalResult> {
  const started = performance.now();
  return rounds(new Logical(shared, policy, request, started), started, 0, null);
}

/**
 * Run one logical request and tell `listener` when it ends, with no promise and no closure when its
 * first round is plain (no hedge, a permit free now) and succeeds: the load generator's path. Anything
 * else (a hedge, a wait for a permit, a failure and what the retry rules make of it) goes on exactly
 * as runLogical would. The listener is never told synchronously.
 */
export function submitLogical<T>(shared: ClientShared, policy: CallPolicy, request: LogicalRequest, listener: LogicalListener<T>, tag: T): void {
  // The start bounds only a deadline of the client's own total timeout: no clock read without one (nothing reports a duration here).
  const started = shared.engine.config.timeouts.total === null ? 0 : performance.now();
  const logical = new Submitted(shared, policy, request, started, listener, tag);
  if ((policy.hedgeDelayMs !== null && hedgesAllowed(policy.retry.style, 0)) || !policy.limiter.tryAcquire()) {
    logical.settleWith(rounds(logical, started, 0, null));
    return;
  }
  try {
    shared.engine.attemptFor(logical.attemptRequest('primary', 0, policy.signal), logical);
  } catch (err) {
    // Thrown before it became an attempt (an observer's onAttemptStart, say): the round failed with it.
    policy.limiter.release();
    logical.settleWith(afterFirstRound(logical, err as TailgateError, started));
  }
}

/** A logical request sent with submitLogical: the owner of its plain first attempt, and who to tell. */
class Submitted<T> extends Logical implements AttemptOwner {
  constructor(
    shared: ClientShared,
    policy: CallPolicy,
    request: LogicalRequest,
    private readonly started: number,
    private readonly listener: LogicalListener<T>,
    private readonly tag: T,
  ) {
    super(shared, policy, request, started);
  }

  /** The plain first attempt ended: done on success (once its redirects are followed); else the retry rules decide, as in rounds(). */
  attemptEnded(attempt: AttemptResult): void {
    this.policy.limiter.release();
    if (attempt.error !== null) this.settleWith(afterFirstRound(this, attempt.error, this.started));
    else if (isRedirect(attempt, this.shared.engine.config.behavior.maxRedirects)) {
      // A hop that fails is the round's failure, retried as any other (as in rounds()).
      this.settleWith(
        followRedirects(this, attempt, 'primary', 0).then(
          (answer) => {
            const unfollowed = unfollowedRedirect(answer);
            if (unfollowed) throw unfollowed;
          },
          (err: TailgateError) => afterFirstRound(this, err, this.started),
        ),
      );
    } else this.listener.logicalEnded(this.tag, unfollowedRedirect(attempt));
  }

  settleWith(run: Promise<unknown>): void {
    run.then(
      () => this.listener.logicalEnded(this.tag, null),
      (err: unknown) => this.listener.logicalEnded(this.tag, err ?? new TailgateError('other', `failed with ${String(err)}`)),
    );
  }
}

/** The first round failed with `error`: retry as the rules say (from round 1), or fail with it. */
async function afterFirstRound(logical: Logical, error: TailgateError, started: number): Promise<LogicalResult> {
  await waitBeforeRetry(logical, error, 0);
  return rounds(logical, started, 1, error);
}

/** The rounds of a logical request from `firstRetryNo`, after a failure `lastError` when that is not 0. */
async function rounds(logical: Logical, started: number, firstRetryNo: number, lastError: TailgateError | null): Promise<LogicalResult> {
  const { policy } = logical;
  for (let retryNo = firstRetryNo; ; retryNo++) {
    const kind: AttemptKind = retryNo === 0 ? 'primary' : 'retry';
    try {
      const hedge = policy.hedgeDelayMs !== null && hedgesAllowed(policy.retry.style, retryNo);
      let response = hedge ? await race(logical, kind, retryNo, policy.hedgeDelayMs as number) : await single(logical, kind, retryNo);
      if (isRedirect(response, logical.shared.engine.config.behavior.maxRedirects)) response = await followRedirects(logical, response, kind, retryNo);
      const unfollowed = unfollowedRedirect(response);
      if (unfollowed) throw unfollowed;
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
