/**
 * The client's wiring of the policy: a call's Preference becomes a CallPolicy (limiter, signal for cancel
 * and total timeout, retry numbers, budgets), and the policy's events become the client's counts.
 */
import { setMaxListeners } from 'node:events';
import { TailgateError } from '../errors.js';
import type { EngineObserver } from '../observer.js';
import { Limiter } from '../policy/limiter.js';
import type { Preference } from '../policy/preference.js';
import type { CallPolicy, ClientShared, PolicyListener, PolicyStats } from '../policy/types.js';

/**
 * The call's limiter, signal (cancel + total timeout) and settings; dispose() clears its timers.
 * `requests`: how many logical requests the call makes (Baseten's client sizes its budgets from it);
 * null for a session, where each request is a call of its own.
 */
export function callPolicy(shared: ClientShared, pref: Preference, requests: number | null): { policy: CallPolicy; dispose: () => void } {
  // Budgets belong to the client (one sliding window across calls); a call's preference sets the rate
  // at which primaries earn tokens from now on.
  shared.hedgeBudget.pct = pref.hedgeBudgetPct;
  shared.retryBudget.pct = pref.retryBudgetPct;
  const controller = new AbortController();
  // Every request in flight listens on the call's signal: far more than Node's default of 10.
  setMaxListeners(0, controller.signal);
  const external = [pref.signal, pref.cancelToken?.signal].filter((s): s is AbortSignal => s !== null && s !== undefined);
  // A reason that is a TailgateError says why (a run abandoning what is in flight): keep its code.
  const cancel = (reason: unknown) => controller.abort(reason instanceof TailgateError ? reason : new TailgateError('cancelled', 'the call was cancelled'));
  const onCancel = (event: Event) => cancel((event.target as AbortSignal).reason);
  for (const s of external) {
    if (s.aborted) cancel(s.reason);
    else s.addEventListener('abort', onCancel, { once: true });
  }
  const totalMs = pref.totalTimeoutS === null ? null : pref.totalTimeoutS * 1000;
  // The client's retry rules, with the numbers this call asks for.
  const configured = shared.engine.config.retry;
  const retry = {
    ...configured,
    maxRetries: pref.maxRetries ?? configured.maxRetries,
    initialBackoffMs: pref.initialBackoffMs ?? configured.initialBackoffMs,
    maxBackoffMs: pref.maxBackoffMs ?? configured.maxBackoffMs,
    honorRetryAfter: pref.honorRetryAfter ?? configured.honorRetryAfter,
  };
  // Baseten's client gives each call budgets of its own instead of one window shared by the client.
  const perCall = retry.style === 'baseten-pc';
  const timer =
    totalMs === null ? null : setTimeout(() => controller.abort(new TailgateError('total_timeout', `total timeout: ${totalMs} ms elapsed`)), totalMs);
  const policy: CallPolicy = {
    limiter: new Limiter(pref.maxConcurrentRequests),
    signal: controller.signal,
    deadline: totalMs === null ? null : performance.now() + totalMs,
    attemptTimeoutMs: pref.timeoutS * 1000,
    hedgeDelayMs: pref.hedgeDelayS === null ? null : pref.hedgeDelayS * 1000,
    retry,
    callBudget: perCall ? callBudget(requests ?? 1, pref) : null,
    budgetPerRequest: perCall && requests === null ? callBudget(1, pref) : null,
    headers: pref.extraHeaders,
  };
  return {
    policy,
    dispose: () => {
      if (timer) clearTimeout(timer);
      for (const s of external) s.removeEventListener('abort', onCancel);
      if (!controller.signal.aborted) controller.abort(new TailgateError('cancelled', 'the call ended'));
    },
  };
}

/** Baseten's budgets for a call of n requests: max(2, 1 + ceil(n·pct)) each (split_policy.rs). */
function callBudget(n: number, pref: Preference): { hedge: number; retry: number } {
  const size = (pct: number) => Math.max(2, 1 + Math.ceil(n * pct));
  return { hedge: size(pref.hedgeBudgetPct), retry: size(pref.retryBudgetPct) };
}

/** Counts what the policy did (stats()) and passes budget events on to the observer, if any. */
export function countingListener(counts: PolicyStats, observer: EngineObserver | undefined): PolicyListener {
  return {
    onSent: (kind) => void counts[kind]++,
    onEvent: (event) => {
      if (event === 'hedge-won') counts.hedgeWon++;
      else if (event === 'hedge-denied') counts.hedgeDenied++;
      else counts.retryDenied++;
      observer?.onPolicyEvent?.(event);
    },
  };
}
