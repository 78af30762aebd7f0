/**
 * A concurrency limit shared by primaries, hedges and retries of one call: a semaphore whose waiters are
 * served first come, first served, and leave the queue when their signal aborts. Waiters watch the signal
 * through signal-watch (one listener per signal, however many wait), so a long-lived session signal
 * gathers no listeners however many requests wait over a run.
 */
import { Fifo, unwatchSignal, watchSignal, WATCH_LIST, WATCH_NEXT, WATCH_PREV, type Cancellable, type WatchList } from '../../util/index.js';
import { TailgateError } from '../errors.js';

class Waiter implements Cancellable {
  waiting = true;
  [WATCH_LIST]: WatchList | null = null;
  [WATCH_PREV]: Cancellable | null = null;
  [WATCH_NEXT]: Cancellable | null = null;
  constructor(
    readonly resolve: () => void,
    readonly reject: (err: Error) => void,
    readonly signal: AbortSignal | undefined,
  ) {}

  onSignalAbort(): void {
    if (!this.waiting) return;
    this.waiting = false;
    this.reject(abortError(this.signal as AbortSignal));
  }
}

export class Limiter {
  private inUse = 0;
  private readonly waiters = new Fifo<Waiter>();

  constructor(readonly limit: number) {}

  get active(): number {
    return this.inUse;
  }

  /** Take a permit now if one is free (no promise, no microtask). */
  tryAcquire(): boolean {
    if (this.inUse >= this.limit) return false;
    this.inUse++;
    return true;
  }

  /** Resolves when a permit is held; call release() exactly once after. Rejects if `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (this.inUse < this.limit) {
      this.inUse++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter = new Waiter(resolve, reject, signal);
      this.waiters.push(waiter);
      if (signal) watchSignal(signal, waiter);
    });
  }

  release(): void {
    let next = this.waiters.shift();
    while (next && !next.waiting) next = this.waiters.shift();
    if (next) {
      next.waiting = false;
      if (next.signal) unwatchSignal(next.signal, next);
      next.resolve(); // the permit passes straight to the waiter
    } else this.inUse--;
  }
}

export function abortError(signal: AbortSignal): TailgateError {
  const reason: unknown = signal.reason;
  return reason instanceof TailgateError ? reason : new TailgateError('cancelled', 'cancelled', { cause: reason });
}
