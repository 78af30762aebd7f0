/**
 * A completion's answer over HTTP, as its sequence (llm.ts) generates it. Streamed: the headers go out at
 * once (as vLLM's and OpenAI's do, before the queue and the prefill), then a chunk per token, the finish
 * chunk, the usage chunk when asked (stream_options.include_usage) or configured (llm.alwaysUsage), and
 * `data: [DONE]`. Not streamed: the whole answer when the last token is generated, handed to the body
 * faults like any JSON answer.
 */
import { answerLength, finishChunk, tokenChunk, usageChunk, wholeAnswer, type CompletionRequest } from './completions.js';
import type { Exchange } from './exchange.js';
import { runSequence, type SequenceHooks } from './llm.js';
import { writeHead } from './responders.js';
import type { MockState } from './state.js';

/** Where a whole (not streamed) answer goes: the fault pipeline's delivery steps. */
export type DeliverJson = (status: number, json: unknown) => void;

function clientHooks(ex: Exchange): Pick<SequenceHooks, 'gone' | 'onGone'> {
  const { res } = ex;
  return {
    gone: () => res.destroyed,
    onGone: (stop) => {
      if (res.destroyed) stop();
      else res.once('close', stop);
    },
  };
}

/** Generate a completion and answer it, streamed or whole. */
export function answerCompletion(state: MockState, ex: Exchange, req: CompletionRequest, deliver: DeliverJson): void {
  const { tokens, finishReason } = answerLength(req, state.faults.config.llm.outputTokens);
  if (!req.stream) {
    runSequence(state, req.promptTokens, tokens, {
      ...clientHooks(ex),
      token: () => {},
      done: () => {
        state.stats.requests.tokensOut += tokens;
        deliver(200, wholeAnswer(req, tokens, finishReason));
      },
    });
    return;
  }
  const usageOn = req.includeUsage || state.faults.config.llm.alwaysUsage;
  const { res } = ex;
  writeHead(state, ex, 200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders?.();
  const send = (data: string) => res.write(`data: ${data}\n\n`);
  runSequence(state, req.promptTokens, tokens, {
    ...clientHooks(ex),
    token: (i) => {
      send(tokenChunk(req, i, usageOn));
      state.stats.requests.tokensOut++;
    },
    done: () => {
      send(finishChunk(req, finishReason, usageOn));
      if (usageOn) send(usageChunk(req, tokens));
      res.end('data: [DONE]\n\n');
    },
  });
}
