/**
 * OpenAI completions and chat completions: what a request asks for, and the answer's text in OpenAI's
 * shapes (a whole answer, or the SSE chunks of a stream). The timing (queue, prefill, tokens) is llm.ts's;
 * this file only says what is sent. Token i is the text `tok<i> `, so a client can check what it got.
 */
import { asObject, BadRequest, estimateTokens, fnv1a, stringList } from './endpoint-input.js';
import { DEFAULT_MAX_TOKENS } from './llm-config.js';

/** A completion request, read and checked. */
export interface CompletionRequest {
  chat: boolean;
  id: string;
  model: unknown;
  promptTokens: number;
  /** max_tokens as asked; null when the request gives none. */
  maxTokens: number | null;
  stream: boolean;
  /** stream_options.include_usage: the usage chunk is asked for. */
  includeUsage: boolean;
}

export type FinishReason = 'length' | 'stop';

/** How long the answer is: max_tokens, cut short by the answer's natural length when the config sets one. */
export function answerLength(req: CompletionRequest, outputTokens: number | null): { tokens: number; finishReason: FinishReason } {
  const asked = req.maxTokens ?? outputTokens ?? DEFAULT_MAX_TOKENS;
  if (outputTokens !== null && (outputTokens < asked || req.maxTokens === null)) return { tokens: outputTokens, finishReason: 'stop' };
  return { tokens: asked, finishReason: 'length' };
}

function promptOf(b: Record<string, unknown>, chat: boolean): string {
  if (!chat) return stringList(b.prompt, 'prompt').join('\n');
  if (!Array.isArray(b.messages) || b.messages.length === 0) throw new BadRequest('messages must be a non-empty list');
  return b.messages.map((m) => String((m as { content?: unknown }).content ?? '')).join('\n');
}

function streamOptionsOf(b: Record<string, unknown>): boolean {
  const options = b.stream_options;
  if (options === undefined || options === null) return false;
  // As OpenAI and vLLM answer: the options mean nothing without a stream.
  if (!b.stream) throw new BadRequest("The 'stream_options' parameter is only allowed when 'stream' is enabled.");
  if (typeof options !== 'object' || Array.isArray(options)) throw new BadRequest('stream_options must be an object');
  const include = (options as Record<string, unknown>).include_usage;
  if (include !== undefined && typeof include !== 'boolean') throw new BadRequest('stream_options.include_usage must be a boolean');
  return include === true;
}

/** Read a completion request (chat: messages; else: prompt); a BadRequest names what is wrong. */
export function readCompletion(body: unknown, chat: boolean): CompletionRequest {
  const b = asObject(body);
  const maxTokens = b.max_tokens === undefined || b.max_tokens === null ? null : Number(b.max_tokens);
  if (maxTokens !== null && (!Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > 100_000)) throw new BadRequest('max_tokens must be an integer in 1..100000');
  const promptText = promptOf(b, chat);
  const id = `${chat ? 'chatcmpl' : 'cmpl'}-${fnv1a(promptText).toString(16)}`;
  const includeUsage = streamOptionsOf(b);
  return { chat, id, model: b.model ?? 'mock-llm', promptTokens: estimateTokens(promptText), maxTokens, stream: b.stream === true, includeUsage };
}

export const tokenText = (i: number): string => `tok${i} `;

function usageOf(req: CompletionRequest, tokens: number) {
  return { prompt_tokens: req.promptTokens, completion_tokens: tokens, total_tokens: req.promptTokens + tokens };
}

/** One SSE chunk's JSON; with usage on, every chunk carries `usage: null` until the usage chunk (OpenAI's rule). */
function chunk(req: CompletionRequest, choices: unknown[], usage: unknown): string {
  const object = req.chat ? 'chat.completion.chunk' : 'text_completion';
  return JSON.stringify({ id: req.id, object, model: req.model, choices, ...(usage !== undefined ? { usage } : {}) });
}

/** The chunk carrying token i. */
export function tokenChunk(req: CompletionRequest, i: number, usageOn: boolean): string {
  const text = tokenText(i);
  const choice = req.chat
    ? { index: 0, delta: i === 0 ? { role: 'assistant', content: text } : { content: text }, finish_reason: null }
    : { index: 0, text, finish_reason: null };
  return chunk(req, [choice], usageOn ? null : undefined);
}

/** The chunk saying why the answer ended. */
export function finishChunk(req: CompletionRequest, finishReason: FinishReason, usageOn: boolean): string {
  const choice = req.chat ? { index: 0, delta: {}, finish_reason: finishReason } : { index: 0, text: '', finish_reason: finishReason };
  return chunk(req, [choice], usageOn ? null : undefined);
}

/** The last chunk before [DONE] when usage is on: no choices, the request's usage. */
export function usageChunk(req: CompletionRequest, tokens: number): string {
  return chunk(req, [], usageOf(req, tokens));
}

/** The whole answer of a request that did not stream (usage always included, as OpenAI does). */
export function wholeAnswer(req: CompletionRequest, tokens: number, finishReason: FinishReason): unknown {
  const text = Array.from({ length: tokens }, (_, i) => tokenText(i)).join('');
  const usage = usageOf(req, tokens);
  return req.chat
    ? { id: req.id, object: 'chat.completion', model: req.model, choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: finishReason }], usage }
    : { id: req.id, object: 'text_completion', model: req.model, choices: [{ index: 0, text, finish_reason: finishReason }], usage };
}
