/**
 * The seeded draws of the model server's times (faults.llm; llm-config.ts has the formulas): each sequence
 * draws from its own random stream (the config's seed and the sequence's number), so its draws do not
 * depend on how other sequences' tokens interleave with it.
 */
import type { LlmConfig } from './llm-config.js';
import { latencySampler, seededRandom, type LatencySpec } from './random.js';

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
