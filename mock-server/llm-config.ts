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
import { checkField, checkKnown, checkLatencySpec, isObject, MS, num, show } from './field-check.js';
import type { LatencySpec } from './random.js';

export interface LlmConfig {
  /** Time to first token after the prefill (ms); null = one token interval at the server's tokensPerSecond. */
  ttft: LatencySpec | null;
  /** Time per output token after the first, with one sequence running (ms); null = 1000 / tokensPerSecond. */
  itl: LatencySpec | null;
  /** Prefill time per 1000 prompt tokens (ms), before the ttft draw. */
  prefillMsPer1kTokens: number;
  /** Sequences generating at once; more queue (FIFO) before their prefill. null = unlimited. */
  maxSequences: number | null;
  /** Each further running sequence stretches every token time by this fraction of itl (0 = no slowdown). */
  slowdownPerSequence: number;
  /**
   * The answer's natural length: min(max_tokens, outputTokens) tokens, finish_reason "stop" when
   * outputTokens came first, and the count when a request gives no max_tokens. null = always max_tokens
   * (16 when absent), finish_reason "length".
   */
  outputTokens: number | null;
  /** Send the usage chunk on every stream, not only when the request asks stream_options.include_usage. */
  alwaysUsage: boolean;
}

export const DEFAULT_LLM: LlmConfig = {
  ttft: null,
  itl: null,
  prefillMsPer1kTokens: 0,
  maxSequences: null,
  slowdownPerSequence: 0,
  outputTokens: null,
  alwaysUsage: false,
};

/** The tokens a request gets when it gives no max_tokens and no outputTokens is set (OpenAI's legacy default). */
export const DEFAULT_MAX_TOKENS = 16;

/** Check an `llm` section (absent is fine), adding every problem by path (`llm.itl.ms is required`). */
export function checkLlm(where: string, raw: unknown, problems: string[]): void {
  if (raw === undefined) return;
  if (!isObject(raw)) {
    problems.push(`${where} must be an object, got ${show(raw)}`);
    return;
  }
  checkKnown(where, raw, Object.keys(DEFAULT_LLM), problems);
  for (const name of ['ttft', 'itl'] as const) {
    if (raw[name] !== undefined && raw[name] !== null) checkLatencySpec(`${where}.${name}`, raw[name], problems);
  }
  checkField(`${where}.prefillMsPer1kTokens`, num(0, MS, false), raw.prefillMsPer1kTokens, problems);
  if (raw.maxSequences !== null) checkField(`${where}.maxSequences`, num(1, 1e6, false, true), raw.maxSequences, problems);
  checkField(`${where}.slowdownPerSequence`, num(0, 100, false), raw.slowdownPerSequence, problems);
  if (raw.outputTokens !== null) checkField(`${where}.outputTokens`, num(1, 100_000, false, true), raw.outputTokens, problems);
  if (raw.alwaysUsage !== undefined && typeof raw.alwaysUsage !== 'boolean') {
    problems.push(`${where}.alwaysUsage must be true or false, got ${show(raw.alwaysUsage)}`);
  }
}

/** A checked `llm` section with its defaults filled in. */
export function resolveLlm(raw: unknown): LlmConfig {
  const given = isObject(raw) ? Object.entries(raw).filter(([, v]) => v !== undefined) : [];
  return { ...DEFAULT_LLM, ...(Object.fromEntries(given) as Partial<LlmConfig>) };
}
