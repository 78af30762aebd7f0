/**
 * Items pushed by a producer and read by one `for await` consumer: the consumer waits while the queue is
 * empty, and stops after end() once it has read everything, or throws what fail() was given.
 */
import { Fifo } from '../../util/index.js';

export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items = new Fifo<T>();
  private wake: (() => void) | null = null;
  private finished = false;
  private failure: unknown = null;

  push(item: T): void {
    this.items.push(item);
    this.notify();
  }

  /** No more items: the consumer stops once it has read those queued. */
  end(): void {
    this.finished = true;
    this.notify();
  }

  /** The producer failed: the consumer throws `err` once it has read the items queued before it. */
  fail(err: unknown): void {
    this.failure = err;
    this.finished = true;
    this.notify();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.items.length > 0) {
        yield this.items.shift() as T;
        continue;
      }
      if (this.failure) throw this.failure;
      if (this.finished) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
