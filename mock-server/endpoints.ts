/**
 * The inference endpoints the mock imitates, with realistic bodies: OpenAI embeddings and completions,
 * TEI/BEI embed, rerank, classify and predict. Outputs are deterministic in their inputs, so a client can
 * check that answers line up with what it asked.
 */
import { seededRandom } from './random.js';

export interface EndpointOptions {
  /** Default embedding dimension when the request does not ask for one. */
  embeddingDim: number;
  /** Streaming speed for completions. */
  tokensPerSecond: number;
}

export type EndpointResult =
  | { status: number; json: unknown }
  | { status: 200; stream: { events: string[]; intervalMs: number } };

export class BadRequest extends Error {
  readonly status: number = 400;
}

/** A request whose answer would be too large for the mock to build (413, named): it must never crash it. */
export class TooLarge extends BadRequest {
  override readonly status = 413;
}

/** Inputs in one request: OpenAI's own limit. */
export const MAX_INPUTS = 2048;
/** Numbers in one answer (inputs × dimension): about 20 MB of JSON. */
export const MAX_ANSWER_VALUES = 1_000_000;

function checkAnswerSize(inputs: number, dim: number): void {
  if (inputs > MAX_INPUTS) throw new TooLarge(`${inputs} inputs in one request; the mock takes at most ${MAX_INPUTS}`);
  if (inputs * dim > MAX_ANSWER_VALUES) {
    throw new TooLarge(`the answer would hold ${inputs} × ${dim} = ${inputs * dim} numbers; the mock answers at most ${MAX_ANSWER_VALUES} (send fewer inputs or ask for a smaller dimension)`);
  }
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A unit vector determined by the text alone. */
export function embeddingFor(text: string, dim: number): Float32Array {
  const rand = seededRandom(fnv1a(text));
  const v = new Float32Array(dim);
  let norm = 0;
  for (let i = 0; i < dim; i++) {
    const x = rand() * 2 - 1;
    v[i] = x;
    norm += x * x;
  }
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < dim; i++) v[i] = (v[i] as number) / norm;
  return v;
}

/** A relevance score in 0..1 determined by query and text (shared words score higher). */
export function scoreFor(query: string, text: string): number {
  const words = new Set(query.toLowerCase().split(/\W+/).filter(Boolean));
  const hits = text.toLowerCase().split(/\W+/).filter((w) => words.has(w)).length;
  const jitter = (fnv1a(`${query}\u0000${text}`) % 1000) / 10_000;
  return Math.min(1, hits / (hits + 2) + jitter);
}

const tokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));

function stringList(v: unknown, field: string): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')) return v as string[];
  throw new BadRequest(`${field} must be a string or a non-empty list of strings`);
}

function asObject(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest('the body must be a JSON object');
  return body as Record<string, unknown>;
}

function openAiEmbeddings(body: unknown, opts: EndpointOptions): EndpointResult {
  const b = asObject(body);
  const inputs = stringList(b.input, 'input');
  const dim = b.dimensions === undefined ? opts.embeddingDim : Number(b.dimensions);
  if (!Number.isInteger(dim) || dim < 1 || dim > 8192) throw new BadRequest('dimensions must be an integer in 1..8192');
  checkAnswerSize(inputs.length, dim);
  const format = b.encoding_format ?? 'float';
  if (format !== 'float' && format !== 'base64') throw new BadRequest('encoding_format must be "float" or "base64"');
  let promptTokens = 0;
  const data = inputs.map((text, index) => {
    promptTokens += tokens(text);
    const v = embeddingFor(text, dim);
    const embedding = format === 'base64' ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') : Array.from(v);
    return { object: 'embedding', index, embedding };
  });
  return {
    status: 200,
    json: { object: 'list', data, model: b.model ?? 'mock-embedding', usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } },
  };
}

function teiEmbed(body: unknown, opts: EndpointOptions): EndpointResult {
  const b = asObject(body);
  const inputs = stringList(b.inputs, 'inputs');
  checkAnswerSize(inputs.length, opts.embeddingDim);
  return { status: 200, json: inputs.map((t) => Array.from(embeddingFor(t, opts.embeddingDim))) };
}

function rerank(body: unknown): EndpointResult {
  const b = asObject(body);
  if (typeof b.query !== 'string') throw new BadRequest('query must be a string');
  const texts = stringList(b.texts, 'texts');
  checkAnswerSize(texts.length, 1);
  const ranked = texts
    .map((text, index) => ({ index, score: scoreFor(b.query as string, text), ...(b.return_text ? { text } : {}) }))
    .sort((x, y) => y.score - x.score);
  if (b.raw_scores) for (const r of ranked) r.score = Math.log(r.score / (1 - r.score + 1e-9) + 1e-9);
  return { status: 200, json: ranked };
}

const LABELS = ['positive', 'negative'];

function classify(body: unknown): EndpointResult {
  const b = asObject(body);
  const raw = b.inputs;
  const inputs: string[] = Array.isArray(raw)
    ? raw.map((x) => (Array.isArray(x) ? x.join(' ') : String(x)))
    : stringList(raw, 'inputs');
  if (inputs.length === 0) throw new BadRequest('inputs must not be empty');
  checkAnswerSize(inputs.length, 1);
  return {
    status: 200,
    json: inputs.map((text) => {
      const p = (fnv1a(text) % 1000) / 1000;
      return LABELS.map((label, i) => ({ label, score: i === 0 ? p : 1 - p })).sort((x, y) => y.score - x.score);
    }),
  };
}

function completionText(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `tok${i} `);
}

function completions(body: unknown, opts: EndpointOptions, chat: boolean): EndpointResult {
  const b = asObject(body);
  const maxTokens = b.max_tokens === undefined ? 16 : Number(b.max_tokens);
  if (!Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > 100_000) throw new BadRequest('max_tokens must be an integer in 1..100000');
  let promptText: string;
  if (chat) {
    if (!Array.isArray(b.messages) || b.messages.length === 0) throw new BadRequest('messages must be a non-empty list');
    promptText = b.messages.map((m) => String((m as { content?: unknown }).content ?? '')).join('\n');
  } else {
    promptText = stringList(b.prompt, 'prompt').join('\n');
  }
  const model = b.model ?? 'mock-llm';
  const parts = completionText(maxTokens);
  const id = `cmpl-${fnv1a(promptText).toString(16)}`;
  const usage = { prompt_tokens: tokens(promptText), completion_tokens: maxTokens, total_tokens: tokens(promptText) + maxTokens };
  if (b.stream) {
    const events = parts.map((t, i) =>
      JSON.stringify(
        chat
          ? { id, object: 'chat.completion.chunk', model, choices: [{ index: 0, delta: i === 0 ? { role: 'assistant', content: t } : { content: t }, finish_reason: null }] }
          : { id, object: 'text_completion', model, choices: [{ index: 0, text: t, finish_reason: null }] },
      ),
    );
    events.push(
      JSON.stringify(
        chat
          ? { id, object: 'chat.completion.chunk', model, choices: [{ index: 0, delta: {}, finish_reason: 'length' }], usage }
          : { id, object: 'text_completion', model, choices: [{ index: 0, text: '', finish_reason: 'length' }], usage },
      ),
    );
    events.push('[DONE]');
    return { status: 200, stream: { events, intervalMs: 1000 / opts.tokensPerSecond } };
  }
  const text = parts.join('');
  return {
    status: 200,
    json: chat
      ? { id, object: 'chat.completion', model, choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'length' }], usage }
      : { id, object: 'text_completion', model, choices: [{ index: 0, text, finish_reason: 'length' }], usage },
  };
}

type Handler = (body: unknown, opts: EndpointOptions) => EndpointResult;

/** POST endpoints by path. */
export const ENDPOINTS: Record<string, Handler> = {
  '/v1/embeddings': openAiEmbeddings,
  '/embed': teiEmbed,
  '/rerank': rerank,
  '/classify': classify,
  '/predict': classify,
  '/v1/completions': (b, o) => completions(b, o, false),
  '/v1/chat/completions': (b, o) => completions(b, o, true),
};

/** What the endpoints make of a request: a result, or a refusal that is sent as it is (no body fault shapes it). */
export type EndpointCall =
  | { ok: true; result: EndpointResult }
  | { ok: false; status: number; json: unknown; headers: Record<string, string> };

const refuse = (status: number, json: unknown, headers: Record<string, string> = {}): EndpointCall => ({ ok: false, status, json, headers });

/** Route a request (its path without the query, its method, its raw body) to the endpoint that answers it. */
export function callEndpoint(route: string, method: string, body: Buffer, opts: EndpointOptions): EndpointCall {
  if (route === '/health' || route === '/healthz') return { ok: true, result: { status: 200, json: { status: 'ok' } } };
  const endpoint = ENDPOINTS[route];
  if (!endpoint) return refuse(404, { error: { message: `no such endpoint: ${route}` } });
  if (method !== 'POST') return refuse(405, { error: { message: `${route} takes POST, got ${method}` } }, { allow: 'POST' });
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (err) {
    return refuse(400, { error: { message: `invalid JSON body: ${(err as Error).message}`, type: 'invalid_request_error' } });
  }
  try {
    return { ok: true, result: endpoint(parsed, opts) };
  } catch (err) {
    if (!(err instanceof BadRequest)) throw err;
    return refuse(err.status, { error: { message: err.message, type: 'invalid_request_error' } });
  }
}
