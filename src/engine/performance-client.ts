/**
 * PerformanceClient: embed, rerank, classify, batchPost and stream in the shape of Baseten's Performance
 * Client, built on the engine. Differences that matter: budgets are shared sliding windows that cannot go
 * below zero; cancellation aborts requests in flight; hedges count against the concurrency limit; a
 * failed batch need not discard the others (partialFailure: 'return'); a server answer that does not
 * match the request is an error, never a silent misalignment.
 */
import { inspect } from 'node:util';
import { setMaxListeners } from 'node:events';
import type { AttemptResult, HttpMethod } from './attempt.js';
import { makeBatches, type Batch } from './batching.js';
import { Budget } from './budget.js';
import type { ClientConfigInput } from './config/index.js';
import { Engine } from './engine.js';
import { targetUrlProblem } from './secrets.js';
import { InvalidInputError, TailgateError } from './errors.js';
import { Limiter } from './limiter.js';
import { createLogger, type Logger, type LogLevel } from './logger.js';
import type { EngineObserver } from './observer.js';
import { emptyPolicyStats, runLogical, type CallPolicy, type ClientShared, type LogicalResult, type PolicyListener, type PolicyStats } from './policy.js';
import { PREFERENCE_DEFAULTS, resolvePreference, type Preference, type PreferenceInput } from './preference.js';
import type { PresetName } from './config/index.js';
import { SseParser, type SseEvent } from './sse.js';

/** Tokens per budget window whatever the traffic, so low traffic is not starved of retries and hedges. */
export const DEFAULT_BUDGET_FLOOR = 2;

/** Connections shared by several clients (Baseten's HttpClientWrapper): one engine per origin. */
export class SharedPool {
  private readonly engines = new Map<string, Engine>();
  constructor(
    private readonly config: ClientConfigInput | PresetName = {},
    private readonly options: { observer?: EngineObserver; env?: Record<string, string | undefined> } = {},
  ) {}

  engineFor(baseUrl: string, apiKey: string | null): Engine {
    const url = new URL(baseUrl);
    const key = `${url.origin}${url.pathname}|${apiKey ?? ''}`;
    let engine = this.engines.get(key);
    if (!engine) {
      const base = typeof this.config === 'string' ? { preset: this.config } : this.config;
      engine = new Engine(baseUrl, apiKey === null ? base : { ...base, apiKey }, this.options);
      this.engines.set(key, engine);
    }
    return engine;
  }

  async close(): Promise<void> {
    await Promise.all([...this.engines.values()].map((e) => e.close()));
    this.engines.clear();
  }
}

export interface PerformanceClientOptions {
  baseUrl: string;
  apiKey?: string;
  config?: ClientConfigInput | PresetName;
  pool?: SharedPool;
  observer?: EngineObserver;
  /** Request id prefix (else PERFORMANCE_CLIENT_REQUEST_ID_PREFIX, else "perfclient"). */
  requestIdPrefix?: string;
  requestIdHeader?: string;
  logLevel?: LogLevel;
  logSink?: (line: string) => void;
  /** Tokens per budget window however low the traffic. */
  budgetFloor?: number;
  budgetWindowMs?: number;
  env?: Record<string, string | undefined>;
  /** Randomness for backoff jitter (tests pass a seeded one). */
  random?: () => number;
}

/** What every batched response carries. */
export interface BatchedMeta {
  /** The whole call. */
  totalTimeMs: number;
  /** Each batch's logical request, retries and hedges included, in batch order (null if it failed). */
  individualRequestTimesMs: (number | null)[];
  /** The winning attempt's response headers per batch (null if it failed). */
  responseHeaders: (Record<string, string> | null)[];
  /** Failed batches, with partialFailure 'return'. */
  errors: BatchError[];
}

export interface BatchError {
  batchIndex: number;
  /** Index of the batch's first input, and how many inputs it held. */
  start: number;
  count: number;
  error: TailgateError;
}

export interface EmbeddingData {
  object: 'embedding';
  index: number;
  embedding: number[] | string;
}

export interface EmbeddingsResponse extends BatchedMeta {
  object: 'list';
  data: EmbeddingData[];
  model: string | null;
  usage: { prompt_tokens: number; total_tokens: number };
  /** All embeddings as one row-major matrix (decoding base64 when asked for it). */
  matrix(): { rows: number; cols: number; data: Float32Array };
}

export interface RerankResult {
  index: number;
  score: number;
  text?: string;
}
export interface RerankResponse extends BatchedMeta {
  data: RerankResult[];
}
export interface ClassifyResponse extends BatchedMeta {
  data: { label: string; score: number }[][];
}
export interface BatchPostResponse extends BatchedMeta {
  data: unknown[];
  statuses: (number | null)[];
}

export interface StreamHandle extends AsyncIterable<SseEvent> {
  /** From the call to the first data event; null until it arrives. */
  timeToFirstTokenMs: number | null;
  /** Resolves when the stream ends, with its timing. */
  done: Promise<{ events: number; totalTimeMs: number; timeToFirstTokenMs: number | null }>;
}

export interface LoadSession {
  send(request: { method: HttpMethod; path: string; body: string | null; onData?: (chunk: Buffer) => void; discardBody?: boolean }): Promise<LogicalResult>;
  /** Abort whatever is still in flight and clear timers. */
  close(): void;
  /** The session's own signal: every request of the session watches it; it aborts on close(). */
  readonly signal: AbortSignal;
}

type Embedder = { model?: string; encodingFormat?: 'float' | 'base64'; dimensions?: number; user?: string; preference?: PreferenceInput };

export class PerformanceClient {
  readonly engine: Engine;
  private readonly shared: ClientShared;
  private readonly ownsEngine: boolean;

  /** Logged or printed, a client shows its engine (origin, redacted config), never its key. */
  toJSON(): ReturnType<Engine['toJSON']> {
    return this.engine.toJSON();
  }

  [inspect.custom](): string {
    return `PerformanceClient ${inspect(this.engine.toJSON(), { depth: 4 })}`;
  }

  constructor(options: PerformanceClientOptions) {
    const env = options.env ?? process.env;
    const problem = targetUrlProblem('baseUrl', options.baseUrl);
    if (problem) throw new InvalidInputError('PerformanceClient', [problem]);
    const apiKey = options.apiKey ?? env.BASETEN_API_KEY ?? env.OPENAI_API_KEY ?? null;
    if (options.pool) {
      this.engine = options.pool.engineFor(options.baseUrl, apiKey);
      this.ownsEngine = false;
    } else {
      const base = typeof options.config === 'string' ? { preset: options.config } : (options.config ?? {});
      this.engine = new Engine(options.baseUrl, apiKey === null ? base : { ...base, apiKey }, { env, ...(options.observer ? { observer: options.observer } : {}) });
      this.ownsEngine = true;
    }
    const floor = options.budgetFloor ?? DEFAULT_BUDGET_FLOOR;
    const windowMs = options.budgetWindowMs ?? 10_000;
    const logger = createLogger(options.logLevel, options.logSink, env);
    this.shared = {
      engine: this.engine,
      hedgeBudget: new Budget({ pct: PREFERENCE_DEFAULTS.hedgeBudgetPct, floor, windowMs }),
      retryBudget: new Budget({ pct: PREFERENCE_DEFAULTS.retryBudgetPct, floor, windowMs }),
      listener: countingListener(this.counts, options.observer),
      logger,
      requestIdPrefix: options.requestIdPrefix ?? env.PERFORMANCE_CLIENT_REQUEST_ID_PREFIX ?? 'perfclient',
      requestIdHeader: options.requestIdHeader ?? 'x-request-id',
      nextRequestNo: 1,
      random: options.random ?? Math.random,
    };
  }


  /** Attempts by kind (as sent) and budget use, across every call so far. */
  stats(): PolicyStats {
    return { ...this.counts };
  }

  private readonly counts: PolicyStats = emptyPolicyStats();

  get logger(): Logger {
    return this.shared.logger;
  }

  async embed(input: string[], options: Embedder = {}): Promise<EmbeddingsResponse> {
    assertStrings(input, 'input');
    const format = options.encodingFormat ?? 'float';
    const { results, meta } = await this.batched(input, options.preference, (t) => t.length, (batch) => ({
      path: '/v1/embeddings',
      body: {
        input: batch.items,
        ...(options.model !== undefined ? { model: options.model } : {}),
        encoding_format: format,
        ...(options.dimensions !== undefined ? { dimensions: options.dimensions } : {}),
        ...(options.user !== undefined ? { user: options.user } : {}),
      },
    }));
    const data: EmbeddingData[] = [];
    let model: string | null = null;
    const usage = { prompt_tokens: 0, total_tokens: 0 };
    results.forEach((res, b) => {
      if (!res) return;
      const body = res.body as { data?: { index: number; embedding: number[] | string }[]; model?: string; usage?: { prompt_tokens?: number; total_tokens?: number } };
      const batch = res.batch;
      const got = Array.isArray(body.data) ? body.data : [];
      if (got.length !== batch.items.length) {
        throw new TailgateError('protocol_error', `batch ${b}: the server returned ${got.length} embeddings for ${batch.items.length} inputs`);
      }
      const ordered = [...got].sort((x, y) => x.index - y.index);
      ordered.forEach((d, i) => data.push({ object: 'embedding', index: batch.start + i, embedding: d.embedding }));
      model ??= body.model ?? null;
      usage.prompt_tokens += body.usage?.prompt_tokens ?? 0;
      usage.total_tokens += body.usage?.total_tokens ?? 0;
    });
    return withMeta({ object: 'list' as const, data, model, usage, matrix: () => toMatrix(data) }, meta);
  }

  async rerank(
    query: string,
    texts: string[],
    options: { model?: string; returnText?: boolean; rawScores?: boolean; truncate?: boolean; truncationDirection?: 'Left' | 'Right'; preference?: PreferenceInput } = {},
  ): Promise<RerankResponse> {
    if (typeof query !== 'string') throw new InvalidInputError('rerank', ['query must be a string']);
    assertStrings(texts, 'texts');
    const { results, meta } = await this.batched(texts, options.preference, (t) => t.length + query.length, (batch) => ({
      path: '/rerank',
      body: {
        query,
        texts: batch.items,
        return_text: options.returnText ?? false,
        raw_scores: options.rawScores ?? false,
        truncate: options.truncate ?? false,
        truncation_direction: options.truncationDirection ?? 'Right',
        ...(options.model !== undefined ? { model: options.model } : {}),
      },
    }));
    const data: RerankResult[] = [];
    results.forEach((res, b) => {
      if (!res) return;
      const got = res.body as RerankResult[];
      if (!Array.isArray(got) || got.length !== res.batch.items.length) {
        throw new TailgateError('protocol_error', `batch ${b}: the server ranked ${Array.isArray(got) ? got.length : 0} of ${res.batch.items.length} texts`);
      }
      for (const r of got) data.push({ ...r, index: res.batch.start + r.index });
    });
    data.sort((x, y) => y.score - x.score);
    return withMeta({ data }, meta);
  }

  async classify(
    inputs: string[],
    options: { model?: string; rawScores?: boolean; truncate?: boolean; truncationDirection?: 'Left' | 'Right'; preference?: PreferenceInput } = {},
  ): Promise<ClassifyResponse> {
    assertStrings(inputs, 'inputs');
    const { results, meta } = await this.batched(inputs, options.preference, (t) => t.length, (batch) => ({
      path: '/predict',
      body: {
        inputs: batch.items,
        raw_scores: options.rawScores ?? false,
        truncate: options.truncate ?? false,
        truncation_direction: options.truncationDirection ?? 'Right',
        ...(options.model !== undefined ? { model: options.model } : {}),
      },
    }));
    const data: { label: string; score: number }[][] = [];
    results.forEach((res, b) => {
      if (!res) return;
      const got = res.body as { label: string; score: number }[][];
      if (!Array.isArray(got) || got.length !== res.batch.items.length) {
        throw new TailgateError('protocol_error', `batch ${b}: the server classified ${Array.isArray(got) ? got.length : 0} of ${res.batch.items.length} inputs`);
      }
      got.forEach((labels, i) => (data[res.batch.start + i] = labels));
    });
    return withMeta({ data }, meta);
  }

  /** One request per payload, in order; bodies parsed as JSON when they are JSON. */
  async batchPost(path: string, payloads: unknown[], options: { method?: HttpMethod; preference?: PreferenceInput } = {}): Promise<BatchPostResponse> {
    if (!Array.isArray(payloads)) throw new InvalidInputError('batchPost', ['payloads must be a list']);
    const method = options.method ?? 'POST';
    const withBody = method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS' && method !== 'DELETE';
    const { results, meta } = await this.batched(
      payloads,
      { ...options.preference, batchSize: 1, maxCharsPerRequest: null },
      () => 0,
      (batch) => ({ path, method, body: withBody ? batch.items[0] : undefined }),
      true,
    );
    return withMeta({ data: results.map((r) => (r ? r.body : null)), statuses: results.map((r) => (r ? r.status : null)) }, meta);
  }

  /** POST a payload and read the answer as Server-Sent Events, with time to first token. */
  stream(path: string, payload: unknown, options: { preference?: PreferenceInput } = {}): StreamHandle {
    const pref = resolvePreference(options.preference);
    const started = performance.now();
    const parser = new SseParser();
    const queue: SseEvent[] = [];
    let wake: (() => void) | null = null;
    let finished = false;
    let failure: unknown = null;
    let count = 0;
    const handle: StreamHandle = {
      timeToFirstTokenMs: null,
      done: Promise.resolve({ events: 0, totalTimeMs: 0, timeToFirstTokenMs: null }),
      async *[Symbol.asyncIterator]() {
        for (;;) {
          if (queue.length > 0) {
            yield queue.shift() as SseEvent;
            continue;
          }
          if (failure) throw failure;
          if (finished) return;
          await new Promise<void>((r) => (wake = r));
        }
      },
    };
    const notify = () => {
      const w = wake;
      wake = null;
      w?.();
    };
    const { policy, dispose } = this.callPolicy(pref, 1);
    // A stream is neither hedged nor retried: a second attempt would repeat tokens already read.
    const run = runLogical(this.shared, { ...policy, hedgeDelayMs: null, retry: { ...policy.retry, maxRetries: 0 } }, {
      method: 'POST',
      path,
      body: JSON.stringify(payload),
      onData: (chunk) => {
        for (const ev of parser.push(chunk.toString('utf8'))) {
          if (handle.timeToFirstTokenMs === null) handle.timeToFirstTokenMs = performance.now() - started;
          count++;
          queue.push(ev);
        }
        notify();
      },
    });
    handle.done = run.then(
      () => {
        finished = true;
        notify();
        dispose();
        return { events: count, totalTimeMs: performance.now() - started, timeToFirstTokenMs: handle.timeToFirstTokenMs };
      },
      (err: unknown) => {
        failure = err;
        finished = true;
        notify();
        dispose();
        throw err;
      },
    );
    handle.done.catch(() => {}); // the iterator reports it; an unread stream must not crash the process
    return handle;
  }

  /**
   * A long-lived policy for sending many single logical requests (load generation): one preference,
   * one concurrency limit and one signal for all of them, with none of a call's batching.
   */
  session(preferenceInput: PreferenceInput = {}, signal?: AbortSignal): LoadSession {
    const pref = resolvePreference({ ...preferenceInput, ...(signal ? { signal } : {}) });
    const { policy, dispose } = this.callPolicy(pref, null);
    // Unless the session sets timeoutS, the engine config's own attempt timeout applies.
    if (preferenceInput.timeoutS === undefined) policy.attemptTimeoutMs = null;
    return {
      send: (request) => runLogical(this.shared, policy, request),
      close: dispose,
      signal: policy.signal,
    };
  }

  async close(): Promise<void> {
    if (this.ownsEngine) await this.engine.close();
  }

  // ---- internals ----

  /**
   * The call's limiter, signal (cancel + total timeout) and settings; dispose() clears its timers.
   * `requests`: how many logical requests the call makes (Baseten's client sizes its budgets from it);
   * null for a session, where each request is a call of its own.
   */
  private callPolicy(pref: Preference, requests: number | null): { policy: CallPolicy; dispose: () => void } {
    // Budgets belong to the client (one sliding window across calls); a call's preference sets the rate
    // at which primaries earn tokens from now on.
    this.shared.hedgeBudget.pct = pref.hedgeBudgetPct;
    this.shared.retryBudget.pct = pref.retryBudgetPct;
    const controller = new AbortController();
    // Every request in flight listens on the call's signal: far more than Node's default of 10.
    setMaxListeners(0, controller.signal);
    const external = [pref.signal, pref.cancelToken?.signal].filter((s): s is AbortSignal => s !== null && s !== undefined);
    // A reason that is a TailgateError says why (a run abandoning what is in flight): keep its code.
    const cancel = (reason: unknown) => controller.abort(reason instanceof TailgateError ? reason : new TailgateError('cancelled', 'the call was cancelled'));
    const onCancel = (event: Event) => cancel((event.target as AbortSignal).reason);
    for (const s of external) {
      if (s.aborted) cancel(s.reason);
      else s.addEventListener('abort', onCancel, { once: true });
    }
    const totalMs = pref.totalTimeoutS === null ? null : pref.totalTimeoutS * 1000;
    // The client's retry rules, with the numbers this call asks for.
    const configured = this.engine.config.retry;
    const retry = {
      ...configured,
      maxRetries: pref.maxRetries ?? configured.maxRetries,
      initialBackoffMs: pref.initialBackoffMs ?? configured.initialBackoffMs,
      maxBackoffMs: pref.maxBackoffMs ?? configured.maxBackoffMs,
      honorRetryAfter: pref.honorRetryAfter ?? configured.honorRetryAfter,
    };
    // Baseten's client gives each call budgets of its own instead of one window shared by the client.
    const perCall = retry.style === 'baseten-pc';
    const timer =
      totalMs === null ? null : setTimeout(() => controller.abort(new TailgateError('total_timeout', `total timeout: ${totalMs} ms elapsed`)), totalMs);
    const policy: CallPolicy = {
      limiter: new Limiter(pref.maxConcurrentRequests),
      signal: controller.signal,
      deadline: totalMs === null ? null : performance.now() + totalMs,
      attemptTimeoutMs: pref.timeoutS * 1000,
      hedgeDelayMs: pref.hedgeDelayS === null ? null : pref.hedgeDelayS * 1000,
      retry,
      callBudget: perCall ? callBudget(requests ?? 1, pref) : null,
      budgetPerRequest: perCall && requests === null ? callBudget(1, pref) : null,
      headers: pref.extraHeaders,
    };
    return {
      policy,
      dispose: () => {
        if (timer) clearTimeout(timer);
        for (const s of external) s.removeEventListener('abort', onCancel);
        if (!controller.signal.aborted) controller.abort(new TailgateError('cancelled', 'the call ended'));
      },
    };
  }

  /**
   * Batch, send every batch as a logical request under one call policy with at most maxConcurrentRequests
   * attempts in flight, and gather results in input order.
   */
  private async batched<T>(
    items: readonly T[],
    preferenceInput: PreferenceInput | undefined,
    charsOf: (item: T) => number,
    build: (batch: Batch<T>) => { path: string; body: unknown; method?: HttpMethod },
    rawBodies = false,
  ): Promise<{ results: ({ batch: Batch<T>; body: unknown; status: number } | null)[]; meta: BatchedMeta }> {
    const pref = resolvePreference(preferenceInput);
    const started = performance.now();
    const batches = makeBatches(items, pref.batchSize, pref.maxCharsPerRequest, charsOf);
    const results: ({ batch: Batch<T>; body: unknown; status: number } | null)[] = new Array(batches.length).fill(null);
    const times: (number | null)[] = new Array(batches.length).fill(null);
    const responses: (AttemptResult | null)[] = new Array(batches.length).fill(null);
    const errors: BatchError[] = [];
    const { policy, dispose } = this.callPolicy(pref, batches.length);
    let next = 0;
    let firstError: unknown = null;

    // Workers pull batches in order; each logical request takes permits from the shared limiter for
    // every attempt it sends, so hedges and retries compete for the same concurrency.
    const worker = async () => {
      while (next < batches.length && firstError === null) {
        const index = next++;
        const batch = batches[index] as Batch<T>;
        const req = build(batch);
        try {
          const out: LogicalResult = await runLogical(this.shared, policy, {
            method: req.method ?? 'POST',
            path: req.path,
            body: req.body === undefined ? null : JSON.stringify(req.body),
          });
          results[index] = { batch, body: parseBody(out.response, rawBodies), status: out.response.status };
          times[index] = out.durationMs;
          responses[index] = out.response;
        } catch (err) {
          if (pref.partialFailure === 'throw') {
            firstError ??= err;
            dispose(); // one failure fails the call: abort everything still in flight
            break;
          }
          errors.push({ batchIndex: index, start: batch.start, count: batch.items.length, error: asTailgateError(err) });
          if (policy.signal.aborted) break; // cancelled or out of time: take no new batches
        }
      }
    };
    let stoppedBy: unknown = null;
    try {
      await Promise.all(Array.from({ length: Math.min(pref.maxConcurrentRequests, batches.length) }, worker));
      if (policy.signal.aborted) stoppedBy = policy.signal.reason;
    } finally {
      dispose();
    }
    if (firstError !== null) throw firstError;
    if (stoppedBy !== null) {
      // Batches never sent because the call was cancelled or ran out of time are failures too.
      for (let i = 0; i < batches.length; i++) {
        if (results[i] === null && !errors.some((e) => e.batchIndex === i)) {
          const batch = batches[i] as Batch<T>;
          errors.push({ batchIndex: i, start: batch.start, count: batch.items.length, error: asTailgateError(stoppedBy) });
        }
      }
    }
    errors.sort((a, b) => a.batchIndex - b.batchIndex);
    const meta: BatchedMeta = { totalTimeMs: performance.now() - started, individualRequestTimesMs: times, responseHeaders: [], errors };
    // Parsing every batch's headers costs more than most callers want: do it on first read.
    let headers: (Record<string, string> | null)[] | null = null;
    Object.defineProperty(meta, 'responseHeaders', {
      enumerable: true,
      get: () => (headers ??= responses.map((r) => (r ? r.headers : null))),
    });
    return { results, meta };
  }
}

/** Baseten's budgets for a call of n requests: max(2, 1 + ceil(n·pct)) each (split_policy.rs). */
function callBudget(n: number, pref: Preference): { hedge: number; retry: number } {
  const size = (pct: number) => Math.max(2, 1 + Math.ceil(n * pct));
  return { hedge: size(pref.hedgeBudgetPct), retry: size(pref.retryBudgetPct) };
}

/** Counts what the policy did (stats()) and passes budget events on to the observer, if any. */
function countingListener(counts: PolicyStats, observer: EngineObserver | undefined): PolicyListener {
  return {
    onSent: (kind) => void counts[kind]++,
    onEvent: (event) => {
      if (event === 'hedge-won') counts.hedgeWon++;
      else if (event === 'hedge-denied') counts.hedgeDenied++;
      else counts.retryDenied++;
      observer?.onPolicyEvent?.(event);
    },
  };
}

/** Attach the batch metadata without evaluating its lazy getters (a spread would). */
function withMeta<T extends object>(result: T, meta: BatchedMeta): T & BatchedMeta {
  return Object.defineProperties(result, Object.getOwnPropertyDescriptors(meta)) as T & BatchedMeta;
}

function asTailgateError(err: unknown): TailgateError {
  return err instanceof TailgateError ? err : new TailgateError('other', String(err), { cause: err });
}

function parseBody(res: AttemptResult, lenient: boolean): unknown {
  const text = res.text();
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch (err) {
    if (lenient) return text;
    throw new TailgateError('protocol_error', `the server's answer is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

function assertStrings(list: unknown, field: string): void {
  if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) {
    throw new InvalidInputError('request', [`${field} must be a list of strings`]);
  }
}

function toMatrix(data: EmbeddingData[]): { rows: number; cols: number; data: Float32Array } {
  const rows = data.length;
  if (rows === 0) return { rows: 0, cols: 0, data: new Float32Array(0) };
  const first = data[0]!.embedding;
  const cols = typeof first === 'string' ? Buffer.from(first, 'base64').length / 4 : first.length;
  const out = new Float32Array(rows * cols);
  data.forEach((d, r) => {
    if (typeof d.embedding === 'string') {
      const bytes = Buffer.from(d.embedding, 'base64');
      out.set(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)), r * cols);
    } else out.set(d.embedding, r * cols);
  });
  return { rows, cols, data: out };
}
