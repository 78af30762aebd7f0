/**
 * The model server's places: the sequences generating at once (at most faults.llm.maxSequences) and those
 * waiting for one, in arrival order (llm.ts runs the sequences themselves).
 */
import { Fifo } from '../src/util/index.js';
import type { MockStats } from './stats.js';

/** What the places read and count: the limit in force, and the stats' sequence gauges (the mock's state). */
export interface SlotsHost {
  faults: { config: { llm: { maxSequences?: number | null | undefined } } };
  stats: Pick<MockStats, 'sequences'>;
}

export interface Waiter {
  /** Its client went away while it waited: it is skipped, taking no place. */
  gone: () => boolean;
  start: (release: () => void) => void;
}

/**
 * The sequences generating at once (at most faults.llm.maxSequences, read whenever a place may be
 * given) and those waiting for a place. Kept across setFaults, like the workers: a waiting request
 * keeps its place. The counts go to stats.sequences as they change.
 */
export class SequenceSlots {
  private running = 0;
  private readonly waiting = new Fifo<Waiter>();
  private admitting = false;

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Start `waiter` when a place is free: at once if one is, else after those queued before it. */
  enqueue(state: SlotsHost, waiter: Waiter): void {
    this.waiting.push(waiter);
    this.admit(state);
  }

  /** Give free places to the longest waiting (also after the limit was raised). Not re-entered: a sequence that ends at once lets the loop go on. */
  admit(state: SlotsHost): void {
    if (this.admitting) return;
    this.admitting = true;
    try {
      const limit = () => state.faults.config.llm.maxSequences ?? Infinity;
      while (this.waiting.length > 0 && this.running < limit()) {
        const next = this.waiting.shift() as Waiter;
        if (next.gone()) {
          state.stats.sequences.abandoned++;
          continue;
        }
        this.running++;
        this.count(state);
        let released = false;
        next.start(() => {
          if (released) return;
          released = true;
          this.running--;
          this.admit(state);
        });
      }
    } finally {
      this.admitting = false;
      this.count(state);
    }
  }

  /** The gauges, set (not stepped): a reset() in between does not skew them. */
  count(state: SlotsHost): void {
    const s = state.stats.sequences;
    s.active = this.running;
    s.queued = this.waiting.length;
    s.maxActive = Math.max(s.maxActive, s.active);
    s.maxQueued = Math.max(s.maxQueued, s.queued);
  }
}
