/**
 * One logical request under a policy: a primary attempt, a hedge sent after hedgeDelay while it is still
 * outstanding (first success wins, the loser is aborted on the wire), and retries after retryable
 * failures with full-jitter backoff that honours Retry-After. Hedges and retries spend shared budgets;
 * every attempt holds a permit of the call's concurrency limit; the operation's signal (cancel, total
 * timeout) aborts everything at once.
 */
import type { AttemptRequest, AttemptResult } from './attempt.js';
import { jitteredBackoffMs, retryAfterMs, sleep } from './backoff.js';
import type { Budget } from './budget.js';
import type { Engine } from './engine.js';
import { TailgateError, type ErrorCode } from './errors.js';
import { abortError, type Limiter } from './limiter.js';
import type { Logger } from './logger.js';
import type { AttemptKind } from './observer.js';

/** Statuses worth retrying (Baseten's guidance); 400, 401, 403, 404, 422 never are. */
const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);
const RETRYABLE_CODES = new Set<ErrorCode>([
  'connect_timeout',
  'connect_refused',
  'connect_error',
  'read_timeout',
  'attempt_timeout',
  'stale_connection',
]);

export function isRetryable(err: TailgateError): boolean {
  if (err.status !== undefined) return RETRYABLE_STATUS.has(err.status);
  return RETRYABLE_CODES.has(err.code);
}

/** Counts one client keeps across all its calls (the runner reports them as budgets). */
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

/** Shared by every call of one client. */
export interface ClientShared {
  engine: Engine;
  hedgeBudget: Budget;
  retryBudget: Budget;
  stats: PolicyStats;
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
  maxRetries: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** Wait at least the server's Retry-After (false reproduces clients that ignore it). */
  honorRetryAfter: boolean;
  headers: Record<string, string>;
}

export interface LogicalResult {
  response: AttemptResult;
  /** The logical request end to end, retries and hedges included. */
  durationMs: number;
  attempts: number;
}

type Request = Pick<AttemptRequest, 'method' | 'path' | 'body' | 'onData' | 'discardBody'>;

/** Run one logical request to its first success, or its final failure. */
export async function runLogical(shared: ClientShared, policy: CallPolicy, request: Request): Promise<LogicalResult> {
  const started = performance.now();
  const id = `${shared.requestIdPrefix}-${(shared.nextRequestNo++).toString(36)}`;
  let attempts = 0;
  for (let retryNo = 0; ; retryNo++) {
    let error: TailgateError;
    if (policy.hedgeDelayMs === null) {
      // No hedging, no race: one attempt at a time, with no promise or closure beyond the attempt's own.
      const kind: AttemptKind = retryNo === 0 ? 'primary' : 'retry';
      if (!policy.limiter.tryAcquire()) await policy.limiter.acquire(policy.signal);
      countAttempt(shared, kind);
      attempts++;
      try {
        const response = await shared.engine.attempt(attemptRequest(shared, policy, request, `${id}-${label(kind, retryNo)}`, kind, policy.signal));
        return { response, durationMs: performance.now() - started, attempts };
      } catch (caught) {
        error = caught as TailgateError;
      } finally {
        policy.limiter.release();
      }
    } else {
      try {
        const { response, sent } = await race(shared, policy, request, id, retryNo);
        attempts += sent;
        return { response, durationMs: performance.now() - started, attempts };
      } catch (caught) {
        const err = caught as RaceError;
        attempts += err.sent ?? 0;
        error = err.error ?? (caught as TailgateError);
      }
    }
    await waitBeforeRetry(shared, policy, error, id, retryNo);
  }
}

/** Throw `error` unless it is worth retrying and a retry fits the budget and the deadline; else wait. */
async function waitBeforeRetry(shared: ClientShared, policy: CallPolicy, error: TailgateError, id: string, retryNo: number): Promise<void> {
  if (policy.signal.aborted) throw abortError(policy.signal);
  if (!(error instanceof TailgateError) || !isRetryable(error) || retryNo >= policy.maxRetries) throw error;
  // Wait max(Retry-After, jittered backoff); if that passes the deadline, fail now and charge nothing.
  const hint = policy.honorRetryAfter ? retryAfterMs(error.headers?.['retry-after']) : null;
  const waitMs = Math.max(hint ?? 0, jitteredBackoffMs(retryNo, policy.initialBackoffMs, policy.maxBackoffMs, shared.random));
  if (policy.deadline !== null && performance.now() + waitMs >= policy.deadline) throw error;
  if (!shared.retryBudget.tryTake()) {
    shared.stats.retryDenied++;
    shared.logger.debug(`retry budget spent: not retrying ${id} after ${error.code}`);
    throw error;
  }
  shared.logger.debug(`retrying ${id} in ${waitMs.toFixed(0)} ms after ${error.code}`);
  await sleep(waitMs, policy.signal).catch(() => {
    throw abortError(policy.signal);
  });
}

function label(kind: AttemptKind, retryNo: number): string {
  return kind === 'retry' ? `retry${retryNo}` : kind;
}

function countAttempt(shared: ClientShared, kind: AttemptKind): void {
  if (kind === 'primary') {
    shared.hedgeBudget.earn();
    shared.retryBudget.earn();
  }
  shared.stats[kind]++;
}

function attemptRequest(shared: ClientShared, policy: CallPolicy, request: Request, requestId: string, kind: AttemptKind, signal: AbortSignal): AttemptRequest {
  const headers: Record<string, string> = { ...policy.headers };
  headers[shared.requestIdHeader] = requestId;
  return {
    method: request.method,
    path: request.path,
    body: request.body,
    onData: request.onData,
    discardBody: request.discardBody,
    kind,
    signal,
    headers,
    totalRemainingMs: policy.deadline === null ? undefined : policy.deadline - performance.now(),
    attemptTimeoutMs: policy.attemptTimeoutMs ?? undefined,
  };
}

/** Shared, so a won race costs no Error (and no stack capture). */
const LOST_RACE = new TailgateError('cancelled', 'another attempt of this request won');

interface RaceError {
  error: TailgateError;
  sent: number;
}

/**
 * One round: the primary (or a retry) and, after hedgeDelay, one hedge. Resolves with the first success;
 * rejects with the last failure once nothing is outstanding.
 */
function race(
  shared: ClientShared,
  policy: CallPolicy,
  request: Request,
  id: string,
  retryNo: number,
): Promise<{ response: AttemptResult; sent: number }> {
  return new Promise((resolve, reject) => {
    // Losers of a hedge race are aborted through one controller for the race (the winner has already
    // settled when it fires). Without hedging there are no losers: attempts take the call's signal as is.
    const hedging = policy.hedgeDelayMs !== null;
    const raceController = hedging ? new AbortController() : null;
    let signal = policy.signal;
    let onCallAbort: (() => void) | null = null;
    if (raceController) {
      signal = raceController.signal;
      if (policy.signal.aborted) raceController.abort(policy.signal.reason);
      else {
        onCallAbort = () => raceController.abort(policy.signal.reason);
        policy.signal.addEventListener('abort', onCallAbort, { once: true });
      }
    }
    let outstanding = 0;
    let launching = 0;
    let sent = 0;
    let settled = false;
    let hedgeTimer: NodeJS.Timeout | null = null;
    let lastError: TailgateError | null = null;

    const finish = () => {
      settled = true;
      if (hedgeTimer) clearTimeout(hedgeTimer);
      if (onCallAbort) policy.signal.removeEventListener('abort', onCallAbort);
    };
    const maybeFail = () => {
      if (settled || outstanding > 0 || launching > 0) return;
      if (hedgeTimer !== null && lastError === null) return; // nothing failed yet: the hedge may still go
      finish();
      reject({ error: lastError ?? (abortError(policy.signal) as TailgateError), sent } satisfies RaceError);
    };

    const launch = async (kind: AttemptKind) => {
      launching++;
      try {
        await policy.limiter.acquire(policy.signal);
      } catch (err) {
        launching--;
        lastError ??= err as TailgateError;
        maybeFail();
        return;
      }
      launching--;
      // A hedge spends its budget only when it is really sent.
      if (settled || (kind === 'hedge' && !shared.hedgeBudget.tryTake())) {
        if (!settled) shared.stats.hedgeDenied++;
        policy.limiter.release();
        maybeFail();
        return;
      }
      countAttempt(shared, kind);
      outstanding++;
      sent++;
      shared.engine
        .attempt(attemptRequest(shared, policy, request, `${id}-${label(kind, retryNo)}`, kind, signal))
        .then(
          (response) => {
            outstanding--;
            policy.limiter.release();
            if (settled) return;
            finish();
            if (kind === 'hedge') shared.stats.hedgeWon++;
            // The others lost: abort them on the wire (an h1 abort closes their connections).
            if (raceController && sent > 1) raceController.abort(LOST_RACE);
            resolve({ response, sent });
          },
          (err: TailgateError) => {
            outstanding--;
            policy.limiter.release();
            lastError = err;
            maybeFail();
          },
        );
    };

    void launch(retryNo === 0 ? 'primary' : 'retry');
    if (policy.hedgeDelayMs !== null) {
      hedgeTimer = setTimeout(() => {
        hedgeTimer = null;
        if (!settled && outstanding + launching > 0) void launch('hedge');
        else maybeFail();
      }, policy.hedgeDelayMs);
    }
  });
}
