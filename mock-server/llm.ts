/**
 * The model server behind the completion endpoints (faults.llm, llm-config.ts has the formulas): a cap on
 * the sequences generating at once, with the rest queued in arrival order before their prefill, and each
 * sequence's pace: prefill, time to first token, then one token per inter-token time, stretched by the
 * other sequences running. No HTTP here: llm-answer.ts writes what a sequence produces.
 *
 * Seeded: each sequence draws its times from its own random stream (the config's seed and the
 * sequence's number), so its draws do not depend on how other sequences' tokens interleave with it.
 */
import { performance } from 'node:perf_hooks';
import { Fifo } from '../src/util/index.js';
import type { LlmConfig } from './llm-config.js';
import { latencySampler, seededRandom, type LatencySpec } from './random.js';
import type { MockState } from './state.js';
import { cancellableAt } from './timing.js';

/** One sequence's times, drawn when its request reaches the endpoint. */
export interface SequenceTimes {
  prefillMs: number;
  ttftMs: number;
  /** The next inter-token time (ms), before the slowdown. */
  nextItlMs: () => number;
  slowdownPerSequence: number;
}

/** The seeded draws of one fault config: a fresh config starts again from sequence 0. */
export class LlmDraws {
  private sequences = 0;

  constructor(
    private readonly config: LlmConfig,
    private readonly seed: number,
  ) {}

  /** The next sequence's times; `intervalMs` (1000 / tokensPerSecond) stands in for a null ttft or itl. */
  plan(promptTokens: number, intervalMs: number): SequenceTimes {
    const n = this.sequences++;
    const rand = seededRandom((Math.imul(this.seed ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(n + 1, 0x85ebca6b)) >>> 0);
    const fixed: LatencySpec = { dist: 'fixed', ms: intervalMs };
    const ttftMs = latencySampler(this.config.ttft ?? fixed, rand)();
    return {
      prefillMs: (promptTokens / 1000) * this.config.prefillMsPer1kTokens,
      ttftMs,
      nextItlMs: latencySampler(this.config.itl ?? fixed, rand),
      slowdownPerSequence: this.config.slowdownPerSequence,
    };
  }
}

interface Waiter {
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
  enqueue(state: MockState, waiter: Waiter): void {
    this.waiting.push(waiter);
    this.admit(state);
  }

  /** Give free places to the longest waiting (also after the limit was raised). Not re-entered: a sequence that ends at once lets the loop go on. */
  admit(state: MockState): void {
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
  count(state: MockState): void {
    const s = state.stats.sequences;
    s.active = this.running;
    s.queued = this.waiting.length;
    s.maxActive = Math.max(s.maxActive, s.active);
    s.maxQueued = Math.max(s.maxQueued, s.queued);
  }
}

/** What a sequence does with its tokens, and how it learns its client has gone. */
export interface SequenceHooks {
  gone: () => boolean;
  /** Call `stop` when the client goes (the response closes); called at once if it has already. */
  onGone: (stop: () => void) => void;
  token: (i: number) => void;
  /** Every token generated. */
  done: () => void;
}

/** Queue, prefill and generate `tokens` tokens for a request of `promptTokens`, on the faults in force now. */
export function runSequence(state: MockState, promptTokens: number, tokens: number, hooks: SequenceHooks): void {
  const times = state.faults.llm.plan(promptTokens, 1000 / state.settings.endpointOptions.tokensPerSecond);
  state.sequences.enqueue(state, { gone: hooks.gone, start: (release) => generate(state, promptTokens, tokens, times, hooks, release) });
}

function generate(state: MockState, promptTokens: number, tokens: number, times: SequenceTimes, hooks: SequenceHooks, release: () => void): void {
  state.stats.requests.tokensIn += promptTokens;
  let cancel = (): void => {};
  let over = false;
  const end = (completed: boolean) => {
    if (over) return;
    over = true;
    cancel();
    if (completed) state.stats.sequences.completed++;
    else state.stats.sequences.abandoned++;
    if (completed) hooks.done();
    release();
  };
  let i = 0;
  let due = performance.now() + times.prefillMs + times.ttftMs;
  // Tokens already due go out together (a stalled event loop, or times near 0): a loop, never recursion.
  const tick = (): void => {
    while (!over) {
      if (hooks.gone() || state.closing) return end(false);
      hooks.token(i++);
      if (i >= tokens) return end(true);
      due += times.nextItlMs() * (1 + times.slowdownPerSequence * (state.sequences.active - 1));
      if (due > performance.now()) {
        cancel = cancellableAt(due, tick);
        return;
      }
    }
  };
  hooks.onGone(() => end(false));
  if (over) return;
  if (due > performance.now()) cancel = cancellableAt(due, tick);
  else tick();
}
