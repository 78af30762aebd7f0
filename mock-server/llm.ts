/**
 * The model server behind the completion endpoints (faults.llm, llm-config.ts has the formulas): a cap on
 * the sequences generating at once, with the rest queued in arrival order before their prefill, and each
 * sequence's pace: prefill, time to first token, then one token per inter-token time, stretched by the
 * other sequences running. No HTTP here: llm-answer.ts writes what a sequence produces.
 * The draws are llm-draws.ts's, the places sequence-slots.ts's.
 */
import { performance } from 'node:perf_hooks';
import type { SequenceTimes } from './llm-draws.js';
import type { MockState } from './state.js';
import { cancellableAt } from './timing.js';

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
