/**
 * One hedged round of a logical request: the primary (or a retry) and, after hedgeDelay while it is
 * outstanding, one hedge. The first success wins and the losers are aborted through one controller for
 * the round (an h1 abort closes their connection); an attempt still waiting for a permit or a connection
 * when the round is decided is dropped unsent (RaceGroup). Every attempt holds a permit of the call's
 * limiter. The round rejects only with an Error: the last real failure, a TailgateError.
 */
import { TailgateError } from '../errors.js';
import type { AttemptKind } from '../observer.js';
import { RACE_WON, type AttemptResult, type RaceGroup } from '../transport/request.js';
import { type Cancellable, unwatchSignal, watchSignal, WATCH_LIST, WATCH_NEXT, WATCH_PREV, type WatchList } from '../../util/index.js';
import { abortError } from './limiter.js';
import { canTakeToken, HEDGE_DENIED, type Logical } from './logical.js';
import { firstFinishWins } from './retry-rules.js';
import type { CallPolicy } from './types.js';

/** Shared, so a won race costs no Error (and no stack capture). */
const LOST_RACE = new TailgateError('cancelled', 'another attempt of this request won');

/**
 * What a round that failed rejects with until an attempt fails for real. Never seen in practice: a round
 * ends on a failure only once its first attempt (a primary or retry, never dropped for a budget, and
 * dropped for a won race only after the round was decided) has failed; it keeps the rejection an Error.
 */
const NOT_SENT = new TailgateError('cancelled', 'no attempt of this round was sent');

/** Resolves with the round's first success; rejects with its last failure once nothing is outstanding. */
export function race(logical: Logical, first: AttemptKind, retryNo: number, hedgeDelayMs: number): Promise<AttemptResult> {
  return new Race(logical, retryNo).start(first, hedgeDelayMs);
}

/** One shared timer callback (the round rides in setTimeout's arguments): no closure per round. */
function hedgeDue(round: Race): void {
  round.hedgeDue();
}

/** The round's state: one object where the round used to keep a closure per step. */
class Race implements Cancellable {
  private readonly policy: CallPolicy;
  private readonly group: RaceGroup = { won: false };
  /** Aborts the losers; the call's own signal aborts it too. */
  private readonly controller = new AbortController();
  /** Attempts launched and not yet ended (waiting for a permit, a connection, or their answer). */
  private live = 0;
  private done = false;
  private lastError: Error = NOT_SENT;
  private hedgeTimer: NodeJS.Timeout | null = null;
  private resolve!: (response: AttemptResult) => void;
  private reject!: (error: Error) => void;
  [WATCH_LIST]: WatchList | null = null;
  [WATCH_PREV]: Cancellable | null = null;
  [WATCH_NEXT]: Cancellable | null = null;

  constructor(
    private readonly logical: Logical,
    private readonly retryNo: number,
  ) {
    this.policy = logical.policy;
  }

  start(first: AttemptKind, hedgeDelayMs: number): Promise<AttemptResult> {
    const promise = new Promise<AttemptResult>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    const signal = this.policy.signal;
    if (signal.aborted) this.onSignalAbort();
    else watchSignal(signal, this);
    this.launch(first);
    // Cleared when the round is decided, so it fires only while the first attempt is outstanding.
    this.hedgeTimer = setTimeout(hedgeDue, hedgeDelayMs, this);
    return promise;
  }

  /** The call was cancelled or ran out of time: abort every attempt of the round, with the call's reason. */
  onSignalAbort(): void {
    this.controller.abort(abortError(this.policy.signal));
  }

  hedgeDue(): void {
    this.hedgeTimer = null;
    const shared = this.logical.shared;
    // Not worth a permit and a place in the pool queue when the budget is already spent.
    if (!canTakeToken(this.policy, shared, 'hedge')) shared.listener.onEvent('hedge-denied');
    else this.launch('hedge');
  }

  private launch(kind: AttemptKind): void {
    this.live++;
    this.policy.limiter.acquire(this.controller.signal).then(
      () => this.granted(kind),
      (err: unknown) => this.failed(err),
    );
  }

  /** A permit is held: send the attempt, unless the round was decided while it waited. */
  private granted(kind: AttemptKind): void {
    const limiter = this.policy.limiter;
    if (this.done) {
      limiter.release();
      this.live--;
      return;
    }
    let attempt: Promise<AttemptResult>;
    try {
      attempt = this.logical.attempt(kind, this.retryNo, this.controller.signal, this.group);
    } catch (err) {
      // Thrown before it became an attempt (an observer's onAttemptStart, say): a failure of the round,
      // not a rejection nobody handles and a round that never ends.
      limiter.release();
      this.failed(err);
      return;
    }
    attempt.then(
      (response) => {
        limiter.release();
        this.succeeded(kind, response);
      },
      (err: unknown) => {
        limiter.release();
        this.failed(err);
      },
    );
  }

  private succeeded(kind: AttemptKind, response: AttemptResult): void {
    this.live--;
    if (this.done) return;
    this.decide();
    if (kind === 'hedge') this.logical.shared.listener.onEvent('hedge-won');
    if (this.live > 0) this.controller.abort(LOST_RACE); // the others lost: abort them (an h1 abort closes their connection)
    this.resolve(response);
  }

  private failed(err: unknown): void {
    this.live--;
    // Dropped unsent (hedge budget spent, race already won): never an attempt, never the round's error.
    const dropped = err === HEDGE_DENIED || err === RACE_WON;
    if (!dropped) this.lastError = asError(err);
    if (this.done) return;
    // Baseten's client: the first attempt to finish ends the round, even with an error.
    if (this.live > 0 && (dropped || !firstFinishWins(this.policy.retry.style))) return;
    this.decide();
    this.group.won = true; // nothing still queued may go out now
    if (this.live > 0) this.controller.abort(LOST_RACE);
    this.reject(this.lastError);
  }

  /** The round is decided: no hedge after this, and the call's signal no longer concerns it. */
  private decide(): void {
    this.done = true;
    if (this.hedgeTimer !== null) clearTimeout(this.hedgeTimer);
    unwatchSignal(this.policy.signal, this);
  }
}

/** Whatever an attempt failed with, as an Error (a TailgateError when it was not one at all). */
function asError(err: unknown): Error {
  return err instanceof Error ? err : new TailgateError('other', `attempt failed: ${String(err)}`, { cause: err });
}
