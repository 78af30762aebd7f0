/**
 * One logical request's state across its rounds: its id, its deadline, the attempts it sent, and the
 * send gate where hedges and retries take their budget tokens (at the moment they are written).
 */
import { TailgateError } from '../errors.js';
import type { AttemptKind } from '../observer.js';
import type { AttemptRequest, AttemptResult, ErrorBodyPolicy, RaceGroup, SendGate } from '../transport/request.js';
import { Budget } from './budget.js';
import { retriesStatus } from './retry-rules.js';
import type { CallPolicy, ClientShared, LogicalRequest } from './types.js';

/** A hedge whose budget refused it when it was about to be sent: it never was an attempt. */
export const HEDGE_DENIED = new TailgateError('cancelled', 'hedge not sent: the hedge budget is spent');
/** A retry whose budget refused it when it was about to be sent: the request fails with its last error. */
export const RETRY_DENIED = new TailgateError('cancelled', 'retry not sent: the retry budget is spent');

export class Logical implements SendGate, ErrorBodyPolicy {
  readonly id: string;
  readonly deadline: number | null;
  sent = 0;
  /** Whether the retry about to be sent spends a budget token (decided when it was planned). */
  retryBudgeted = true;
  private readonly dropsErrorBodies: boolean;

  readonly policy: CallPolicy;

  constructor(
    readonly shared: ClientShared,
    policy: CallPolicy,
    readonly request: LogicalRequest,
    started: number,
  ) {
    this.policy = policy;
    this.id = `${shared.requestIdPrefix}-${(shared.nextRequestNo++).toString(36)}`;
    if (policy.budgetPerRequest !== null) this.policy = { ...policy, callBudget: { ...policy.budgetPerRequest } };
    this.dropsErrorBodies = shared.engine.config.behavior.errorBody === 'cancel-when-retried';
    const totalMs = shared.engine.config.timeouts.total;
    const own = totalMs === null ? null : started + totalMs;
    this.deadline = own === null ? policy.deadline : policy.deadline === null ? own : Math.min(own, policy.deadline);
  }

  /** The attempt as the engine takes it: labelled, bounded by the deadline, charged when it is sent. */
  attempt(kind: AttemptKind, retryNo: number, signal: AbortSignal, race?: RaceGroup): Promise<AttemptResult> {
    return this.shared.engine.attempt(this.attemptRequest(kind, retryNo, signal, race));
  }

  /** The attempt's request: the policy's headers as they are (not copied), the request id beside them, itself as the send gate. */
  attemptRequest(kind: AttemptKind, retryNo: number, signal: AbortSignal, race?: RaceGroup): AttemptRequest {
    const { shared, policy, request } = this;
    return {
      method: request.method,
      path: request.path,
      body: request.body,
      onData: request.onData,
      discardBody: request.discardBody,
      kind,
      signal,
      headers: policy.headers,
      requestIdHeader: shared.requestIdHeader,
      requestId: `${this.id}-${kind === 'retry' ? `retry${retryNo}` : kind}`,
      race,
      gate: this,
      // openai-node drops the body of an error it retries (behavior.errorBody): only while retries are left.
      errorBody: this.dropsErrorBodies && retryNo < policy.retry.maxRetries ? this : undefined,
      totalRemainingMs: this.deadline === null ? undefined : this.deadline - performance.now(),
      attemptTimeoutMs: policy.attemptTimeoutMs ?? undefined,
    };
  }

  /** An error answer the client will retry: its body is dropped (ErrorBodyPolicy). */
  discards(status: number, headers: Record<string, string>): boolean {
    return retriesStatus(this.policy.retry, status, headers);
  }

  /** At the moment of writing: take the budget token (or refuse), earn tokens for a primary, count it. */
  beforeSend(kind: AttemptKind): TailgateError | null {
    const { shared } = this;
    if (kind === 'hedge' && !takeToken(this.policy, shared, 'hedge')) {
      shared.listener.onEvent('hedge-denied');
      return HEDGE_DENIED;
    }
    if (kind === 'retry' && this.retryBudgeted && !takeToken(this.policy, shared, 'retry')) {
      shared.listener.onEvent('retry-denied');
      return RETRY_DENIED;
    }
    if (kind === 'primary') Budget.earnBoth(shared.hedgeBudget, shared.retryBudget);
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

/** Whether a token could be taken now (takes nothing). */
export function canTakeToken(policy: CallPolicy, shared: ClientShared, kind: 'hedge' | 'retry'): boolean {
  const own = policy.callBudget;
  return own === null ? (kind === 'hedge' ? shared.hedgeBudget : shared.retryBudget).canTake() : own[kind] >= 1;
}
