/**
 * PerformanceClient: embed, rerank, classify, batchPost and stream in the shape of Baseten's Performance
 * Client, built on the engine. Differences that matter: budgets are shared sliding windows that cannot go
 * below zero; cancellation aborts requests in flight; hedges count against the concurrency limit; a
 * failed batch need not discard the others (partialFailure: 'return'); a server answer that does not
 * match the request is an error, never a silent misalignment.
 */
import { inspect } from 'node:util';
import { targetUrlProblem, type ClientConfigInput, type PresetName } from '../config/index.js';
import { InvalidInputError } from '../errors.js';
import type { EngineObserver } from '../observer.js';
import { Budget } from '../policy/budget.js';
import { createLogger, type Logger, type LogLevel } from '../policy/logger.js';
import { runLogical, submitLogical } from '../policy/policy.js';
import { PREFERENCE_DEFAULTS, resolvePreference, type PreferenceInput } from '../policy/preference.js';
import { emptyPolicyStats, type ClientShared, type PolicyStats } from '../policy/types.js';
import { Engine } from '../transport/engine.js';
import type { HttpMethod } from '../../util/index.js';
import { runBatches, withMeta } from './batch.js';
import { callPolicy, countingListener } from './call-policy.js';
import { ENDPOINTS, type ClassifyOptions, type EmbedOptions, type RerankOptions } from './endpoints.js';
import { readClassify, readEmbeddings, readRerank, toMatrix } from './read.js';
import type { BatchPostResponse, ClassifyResponse, EmbeddingsResponse, LoadSession, RerankResponse, StreamHandle } from './responses.js';
import type { SharedPool } from './shared-pool.js';
import { openStream } from './stream.js';

/** Tokens per budget window whatever the traffic, so low traffic is not starved of retries and hedges. */
export const DEFAULT_BUDGET_FLOOR = 2;

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

type WithPreference = { preference?: PreferenceInput };

export class PerformanceClient {
  readonly engine: Engine;
  private readonly shared: ClientShared;
  private readonly ownsEngine: boolean;
  private readonly counts: PolicyStats = emptyPolicyStats();

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

  get logger(): Logger {
    return this.shared.logger;
  }

  async embed(input: string[], options: EmbedOptions & WithPreference = {}): Promise<EmbeddingsResponse> {
    assertStrings(input, 'input');
    const { path, chars, body } = ENDPOINTS.embed;
    const { results, meta } = await runBatches(this.shared, input, options.preference, (t) => chars(t, options), (batch) => ({ path, body: body(batch.items, options) }));
    const { data, model, usage } = readEmbeddings(results);
    return withMeta({ object: 'list' as const, data, model, usage, matrix: () => toMatrix(data) }, meta);
  }

  async rerank(query: string, texts: string[], options: RerankOptions & WithPreference = {}): Promise<RerankResponse> {
    if (typeof query !== 'string') throw new InvalidInputError('rerank', ['query must be a string']);
    assertStrings(texts, 'texts');
    const { path, chars, body } = ENDPOINTS.rerank;
    const args = { ...options, query };
    const { results, meta } = await runBatches(this.shared, texts, options.preference, (t) => chars(t, args), (batch) => ({ path, body: body(batch.items, args) }));
    return withMeta({ data: readRerank(results) }, meta);
  }

  async classify(inputs: string[], options: ClassifyOptions & WithPreference = {}): Promise<ClassifyResponse> {
    assertStrings(inputs, 'inputs');
    const { path, chars, body } = ENDPOINTS.classify;
    const { results, meta } = await runBatches(this.shared, inputs, options.preference, (t) => chars(t, options), (batch) => ({ path, body: body(batch.items, options) }));
    return withMeta({ data: readClassify(results) }, meta);
  }

  /** One request per payload, in order; bodies parsed as JSON when they are JSON. */
  async batchPost(path: string, payloads: unknown[], options: { method?: HttpMethod } & WithPreference = {}): Promise<BatchPostResponse> {
    if (!Array.isArray(payloads)) throw new InvalidInputError('batchPost', ['payloads must be a list']);
    const method = options.method ?? 'POST';
    const withBody = method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS' && method !== 'DELETE';
    const { results, meta } = await runBatches(
      this.shared,
      payloads,
      { ...options.preference, batchSize: 1, maxCharsPerRequest: null },
      () => 0,
      (batch) => ({ path, method, body: withBody ? batch.items[0] : undefined }),
      true,
    );
    return withMeta({ data: results.map((r) => (r ? r.body : null)), statuses: results.map((r) => (r ? r.status : null)) }, meta);
  }

  /** POST a payload and read the answer as Server-Sent Events, with time to first token. */
  stream(path: string, payload: unknown, options: WithPreference = {}): StreamHandle {
    return openStream(this.shared, resolvePreference(options.preference), path, payload);
  }

  /**
   * A long-lived policy for sending many single logical requests (load generation): one preference,
   * one concurrency limit and one signal for all of them, with none of a call's batching.
   */
  session(preferenceInput: PreferenceInput = {}, signal?: AbortSignal): LoadSession {
    const pref = resolvePreference({ ...preferenceInput, ...(signal ? { signal } : {}) });
    const { policy, dispose } = callPolicy(this.shared, pref, null);
    // Unless the session sets timeoutS, the engine config's own attempt timeout applies.
    if (preferenceInput.timeoutS === undefined) policy.attemptTimeoutMs = null;
    return {
      send: (request) => runLogical(this.shared, policy, request),
      submit: (request, listener, tag) => submitLogical(this.shared, policy, request, listener, tag),
      close: dispose,
      signal: policy.signal,
    };
  }

  async close(): Promise<void> {
    if (this.ownsEngine) await this.engine.close();
  }
}

function assertStrings(list: unknown, field: string): void {
  if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) {
    throw new InvalidInputError('request', [`${field} must be a list of strings`]);
  }
}
