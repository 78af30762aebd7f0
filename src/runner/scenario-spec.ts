/**
 * What a scenario file may say: the spec (one declaration gives validation and the JSON Schema), its
 * limits and defaults, and the resolved Scenario's types. scenario.ts checks and resolves against it.
 */
import type { FaultConfig } from '../../mock-server/index.js';
import { DEFAULT_BUDGET_FLOOR, ENDPOINTS, PREFERENCE_DEFAULTS, PREFERENCE_SPECS, PRESET_NAMES, type ClientConfig, type ClientConfigInput, type HttpMethod } from '../engine/index.js';
import { METRIC_DEFINITIONS, type MetricDefinitions, type Slo, type ThresholdInput } from '../metrics/index.js';
import { HTTP_METHODS } from '../util/index.js';
import { num, opt, req, str, type Spec } from './spec.js';

/** A scenario is kilobytes; a megabyte of YAML is already a mistake, and parsing more takes minutes. */
export const MAX_SCENARIO_BYTES = 1024 * 1024;

/** The highest rate a scenario or --rate may ask for (requests per second). */
export const MAX_RATE = 1_000_000;

export const WORKLOAD_KINDS = ['embed', 'rerank', 'classify', 'batchPost', 'stream', 'request'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];
export const LOAD_MODELS = ['closed', 'open', 'ramping', 'bursts', 'trace'] as const;
export type LoadModel = (typeof LOAD_MODELS)[number];
export const ARRIVALS = ['constant', 'poisson', 'gamma'] as const;
const METHODS = HTTP_METHODS;

/** Retry settings moved to the client config (`retry:`), where a preset sets them as its library does. */
export const MOVED_TO_RETRY = ['maxRetries', 'initialBackoffMs', 'maxBackoffMs', 'honorRetryAfter'] as const;

const CLIENT_POLICY: Spec = {
  type: 'object',
  doc: 'hedging and budgets (as the PerformanceClient preference); retries are the client config’s retry:',
  fields: {
    timeoutS: opt(num(PREFERENCE_SPECS.timeoutS!.min, PREFERENCE_SPECS.timeoutS!.max, { doc: 'per-attempt timeout' })),
    hedgeDelayS: opt(num(PREFERENCE_SPECS.hedgeDelayS!.min, PREFERENCE_SPECS.hedgeDelayS!.max, { doc: 'send a hedge after this long' })),
    hedgeBudgetPct: opt(num(PREFERENCE_SPECS.hedgeBudgetPct!.min, PREFERENCE_SPECS.hedgeBudgetPct!.max, { default: PREFERENCE_DEFAULTS.hedgeBudgetPct })),
    retryBudgetPct: opt(num(PREFERENCE_SPECS.retryBudgetPct!.min, PREFERENCE_SPECS.retryBudgetPct!.max, { default: PREFERENCE_DEFAULTS.retryBudgetPct })),
    budgetFloor: opt(num(0, 1e6, { default: DEFAULT_BUDGET_FLOOR, doc: 'tokens per budget window whatever the traffic' })),
    ...Object.fromEntries(MOVED_TO_RETRY.map((k) => [k, opt({ type: 'any', doc: `moved: retry.${k}` })])),
  },
};

/** Per-request objectives; goodput is the share of requests meeting all of them. Values like 500ms, 10s, or ms. */
const SLO: Spec = {
  type: 'object',
  doc: 'per-request service-level objectives (goodput: the share of requests meeting all of them)',
  fields: {
    ttft: opt({ type: 'any', doc: 'time to first token, e.g. 500ms (streams)' }),
    itl: opt({ type: 'any', doc: "a request's mean gap between tokens, e.g. 50ms (streams)" }),
    e2e: opt({ type: 'any', doc: 'the whole request, e.g. 10s' }),
  },
};

const PROFILE: Spec = {
  type: 'object',
  fields: {
    name: req(str({ pattern: /^[A-Za-z0-9_.-]+$/, doc: 'letters, digits, . _ -' })),
    description: opt(str()),
    extends: opt(str({ doc: 'another profile of this scenario to start from' })),
    preset: opt(str({ enum: PRESET_NAMES })),
    pool: opt({ type: 'any', doc: 'ClientConfig pool options' }),
    timeouts: opt({ type: 'any', doc: 'ClientConfig timeouts in ms' }),
    httpVersion: opt({ type: 'any' }),
    proxy: opt({ type: 'any' }),
    headers: opt({ type: 'record', values: str() }),
    authScheme: opt({ type: 'any' }),
    rejectUnauthorized: opt({ type: 'any' }),
    behavior: opt({ type: 'any', doc: 'ClientConfig behavior: how the client applies its timeouts' }),
    retry: opt({ type: 'any', doc: 'ClientConfig retry: style, maxRetries, backoff, Retry-After' }),
    client: opt(CLIENT_POLICY),
    slo: opt(SLO),
  },
};

export const SCENARIO_SPEC: Spec = {
  type: 'object',
  fields: {
    $schema: opt(str()),
    name: req(str({ pattern: /^[A-Za-z0-9_.-]+$/ })),
    description: opt(str()),
    target: opt({
      type: 'object',
      doc: 'the embedded mock (default) or a real endpoint',
      fields: {
        url: opt(str({ pattern: /^https?:\/\//, doc: 'a real endpoint; omit to use the embedded mock' })),
        headers: opt({ type: 'record', values: str() }),
        mock: opt({
          type: 'object',
          fields: {
            faults: opt({ type: 'any', doc: 'mock fault config (see tailgate mock)' }),
            embeddingDim: opt(num(1, 8192, { integer: true, default: 32 })),
            tokensPerSecond: opt(num(1, 100_000, { default: 200 })),
            backlog: opt(num(1, 65_535, { integer: true, default: 511, doc: 'accept queue length (capacity.onExceed backlog fills it)' })),
          },
        }),
      },
    }),
    workload: req({
      type: 'object',
      fields: {
        kind: req(str({ enum: WORKLOAD_KINDS })),
        path: opt(str({ pattern: /^\//, doc: 'defaults to the kind’s usual endpoint' })),
        method: opt(str({ enum: METHODS })),
        model: opt(str()),
        inputsPerRequest: opt(num(1, 100_000, { integer: true, default: 16, doc: 'texts per embed/classify request, documents per rerank' })),
        textChars: opt({ type: 'object', fields: { min: opt(num(1, 1e7, { integer: true, default: 50 })), max: opt(num(1, 1e7, { integer: true, default: 200 })) } }),
        maxTokens: opt(num(1, 100_000, { integer: true, default: 32, doc: 'stream: tokens to generate' })),
        body: opt({ type: 'any', doc: 'request/batchPost: the JSON body sent' }),
      },
    }),
    load: req({
      type: 'object',
      fields: {
        model: req(str({ enum: LOAD_MODELS })),
        users: opt(num(1, 100_000, { integer: true, doc: 'closed: concurrent users' })),
        thinkTimeMs: opt(num(0, 3_600_000, { default: 0 })),
        rate: opt(num(0.001, MAX_RATE, { doc: 'open: requests per second' })),
        stages: opt({ type: 'array', minItems: 1, items: { type: 'object', fields: { durationS: req(num(0.001, 86_400)), rate: req(num(0, MAX_RATE)) } }, doc: 'ramping: each stage ramps linearly to its rate' }),
        burstSize: opt(num(1, 1_000_000, { integer: true, doc: 'bursts: requests sent at once' })),
        burstGapMs: opt(num(0, 3_600_000, { doc: 'bursts: idle gap between bursts' })),
        durationS: opt(num(0.001, 86_400)),
        requests: opt(num(1, 1e9, { integer: true })),
        maxInFlight: opt(num(1, 1024, { integer: true, default: 1024, doc: 'open models: logical requests in flight at most; beyond it they wait and count as late' })),
        arrival: opt(str({ enum: ARRIVALS, doc: 'open, ramping: constant (default) gaps, or random: poisson, gamma (with burstiness)' })),
        burstiness: opt(num(0.01, 1000, { doc: 'gamma: the gaps’ shape, as vLLM’s benchmark (1 = Poisson, below 1 burstier); CV = 1/√burstiness' })),
        seed: opt(num(0, 4_294_967_295, { integer: true, doc: 'poisson, gamma: the arrivals’ seed (default 1); every profile gets the same arrivals' })),
        file: opt(str({ doc: 'trace: a JSONL file of {"atMs": n, "path"?, "body"?} lines, relative to the scenario’s folder' })),
        speedup: opt(num(0.001, 1_000_000, { doc: 'trace: replay this many times faster (offsets are divided by it; default 1)' })),
      },
    }),
    warmup: opt({ type: 'object', fields: { durationS: opt(num(0.001, 3600)), requests: opt(num(1, 1e7, { integer: true })) } }),
    phases: opt({
      type: 'array',
      items: {
        type: 'object',
        fields: {
          atS: req(num(0, 86_400)),
          name: opt(str()),
          rate: opt(num(0, MAX_RATE)),
          faults: opt({ type: 'any', doc: 'replace the mock’s faults from here on' }),
        },
      },
    }),
    profiles: req({ type: 'array', minItems: 1, items: PROFILE }),
    slo: opt(SLO),
    metricDefinitions: opt(
      str({
        enum: METRIC_DEFINITIONS,
        default: 'tailgate',
        doc: "what TTFT, ITL and TPOT mean (docs/metrics.md): tailgate's, or as vLLM's benchmark or genai-perf count them, to set beside theirs",
      }),
    ),
    gate: opt({
      type: 'object',
      fields: {
        thresholds: opt({ type: 'array', items: { type: 'any', doc: "an expression ('p(99)<300ms over 10s') or {threshold, abortOnFail}: stop the run once it is lost" } }),
        maxRegression: opt({ type: 'array', items: str() }),
      },
    }),
  },
};

export interface ClientPolicy {
  timeoutS?: number;
  hedgeDelayS?: number;
  hedgeBudgetPct: number;
  retryBudgetPct: number;
  budgetFloor: number;
}

export interface ResolvedProfile {
  name: string;
  description?: string;
  /** The preset it starts from (after extends), or null. */
  preset: string | null;
  config: ClientConfig;
  client: ClientPolicy;
  /** The profile's SLO, else the scenario's; null when neither sets one. */
  slo: Slo | null;
}

export interface Scenario {
  name: string;
  description?: string;
  file: string | null;
  hash: string;
  target: { url: string | null; headers: Record<string, string>; mock: { faults: FaultConfig; embeddingDim: number; tokensPerSecond: number; backlog: number } };
  workload: {
    kind: WorkloadKind;
    path: string;
    method: HttpMethod;
    model?: string;
    inputsPerRequest: number;
    textChars: { min: number; max: number };
    maxTokens: number;
    body?: unknown;
  };
  load: {
    model: LoadModel;
    users?: number;
    thinkTimeMs: number;
    rate?: number;
    stages?: { durationS: number; rate: number }[];
    burstSize?: number;
    burstGapMs?: number;
    durationS?: number;
    requests?: number;
    maxInFlight: number;
    /** Open, ramping: absent is constant. */
    arrival?: (typeof ARRIVALS)[number];
    burstiness?: number;
    seed?: number;
    /** Trace: the file as resolved against the scenario's folder. */
    file?: string;
    speedup?: number;
  };
  warmup: { durationS?: number; requests?: number } | null;
  phases: { atS: number; name?: string; rate?: number; faults?: FaultConfig }[];
  profiles: ResolvedProfile[];
  gate: { thresholds: ThresholdInput[]; maxRegression: string[] };
  slo: Slo | null;
  /** What ttft, itl and tpot mean in this run's report, its gate and goodput (docs/metrics.md). */
  metricDefinitions: MetricDefinitions;
}

export const DEFAULT_PATHS: Record<WorkloadKind, string> = {
  embed: ENDPOINTS.embed.path,
  rerank: ENDPOINTS.rerank.path,
  classify: ENDPOINTS.classify.path,
  batchPost: '/v1/embeddings',
  stream: '/v1/chat/completions',
  request: '/health',
};

