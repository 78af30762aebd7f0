/**
 * The server's workers (FaultConfig.workers): at most that many requests are in service at once; the
 * others wait their turn in arrival order, as on a saturated model server.
 */
import { Fifo } from '../src/util/index.js';

export class WorkerSlots {
  private busy = 0;
  private readonly waiting = new Fifo<() => void>();

  /** Run `serve` once a worker is free (at once if one is); `serve` calls its `release` when service ends. */
  acquire(workers: number, serve: (release: () => void) => void): void {
    const start = () => serve(this.release);
    if (this.busy < workers) {
      this.busy++;
      start();
    } else this.waiting.push(start);
  }

  /** A freed worker goes straight to the longest-waiting request, whatever the limit has become meanwhile. */
  private readonly release = (): void => {
    this.busy--;
    const next = this.waiting.shift();
    if (next) {
      this.busy++;
      next();
    }
  };
}
