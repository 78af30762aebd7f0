/**
 * A concurrency limit shared by primaries, hedges and retries of one call: a semaphore whose waiters are
 * served first come, first served, and leave the queue when their signal aborts.
 */
import { Fifo } from './fifo.js';
import { TailgateError } from './errors.js';

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
  waiting: boolean;
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
      const waiter: Waiter = { resolve, reject, waiting: true };
      this.waiters.push(waiter);
      signal?.addEventListener(
        'abort',
        () => {
          if (!waiter.waiting) return;
          waiter.waiting = false;
          reject(abortError(signal));
        },
        { once: true },
      );
    });
  }

  release(): void {
    let next = this.waiters.shift();
    while (next && !next.waiting) next = this.waiters.shift();
    if (next) {
      next.waiting = false;
      next.resolve(); // the permit passes straight to the waiter
    } else this.inUse--;
  }
}

export function abortError(signal: AbortSignal): TailgateError {
  const reason: unknown = signal.reason;
  return reason instanceof TailgateError ? reason : new TailgateError('cancelled', 'cancelled', { cause: reason });
}
