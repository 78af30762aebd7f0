/**
 * The `llm` section of the fault config: how /v1/completions and /v1/chat/completions generate, streamed
 * or not. A request waits for a free sequence (at most `maxSequences` at once, the rest queue in arrival
 * order, as a KV cache fills), then prefills (`prefillMsPer1kTokens` per 1000 prompt tokens, prompt
 * tokens ≈ characters / 4), then its first token comes after a `ttft` draw, and each further token after
 * an `itl` draw stretched by the sequences running beside it:
 *
 *   first token = admitted + prompt tokens / 1000 × prefillMsPer1kTokens + ttft
 *   each next   = the one before + itl × (1 + slowdownPerSequence × (active sequences − 1))
 *
 * The defaults are the mock's pace before this section existed: one token interval (1000 /
 * tokensPerSecond, the server option) to the first token and between tokens, no prefill, no cap.
 */
import { DEFAULT_FAULTS } from './faults.js';
import type { LlmConfig } from './faults-schema.js';

export type { LlmConfig };

/** Every field's meaning, range and default are declared once, with the rest of the faults (faults-schema.ts). */
export const DEFAULT_LLM: LlmConfig = DEFAULT_FAULTS.llm;

/** The tokens a request gets when it gives no max_tokens and no outputTokens is set (OpenAI's legacy default). */
export const DEFAULT_MAX_TOKENS = 16;
