/**
 * What a scenario file may say, declared once with the schema kit: validation by path, the JSON Schema
 * editors read (`tailgate schema`, scenarios/scenario.schema.json) and the defaults. A profile takes the
 * engine's own client options (CLIENT_CONFIG_INPUT) and the call preference's hedging options
 * (PREFERENCE); the load is a union tagged by `model`, each model with its own fields. The rules between
 * fields are code (scenario.ts), run after the schema. The resolved Scenario's types are here too.
 */
import { CLIENT_CONFIG_INPUT, DEFAULT_BUDGET_FLOOR, ENDPOINTS, headersSchema, PREFERENCE, type ClientConfig, type HttpMethod } from '../../engine/index.js';
import { METRIC_DEFINITIONS, type MetricDefinitions, type Slo } from '../../metrics/index.js';
import { ARRIVALS, type ClientPolicy, type GateSettings, type LoadSettings } from '../../report/index.js';
import { HTTP_METHODS } from '../../util/index.js';
import { Type, type Static, type TSchema } from '../../util/schema.js';
import { FAULTS_SCHEMA, MOCK_SETTINGS, type FaultConfig } from '../../../mock-server/index.js';

/** A scenario is kilobytes; a megabyte of YAML is already a mistake, and parsing more takes minutes. */
export const MAX_SCENARIO_BYTES = 1024 * 1024;

/** The highest rate a scenario or --rate may ask for (requests per second). */
export const MAX_RATE = 1_000_000;

export const WORKLOAD_KINDS = ['embed', 'rerank', 'classify', 'batchPost', 'stream', 'request'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];
import type { LoadModel } from '../../report/index.js';
export { ARRIVALS, LOAD_MODELS, type ClientPolicy, type LoadModel } from '../../report/index.js';

const opt = Type.Optional;
/** An open loop's rate (the scenario's load.rate, and `run --rate`). */
export const RATE = Type.Number({ minimum: 0.001, maximum: MAX_RATE, description: 'requests per second' });
const object = <P extends Record<string, TSchema>>(properties: P, description?: string) => Type.Object(properties, { additionalProperties: false, ...(description ? { description } : {}) });
const NAME = Type.String({ pattern: '^[A-Za-z0-9_.-]+$', description: 'letters, digits, . _ -' });

/**
 * The mock's faults (target.mock.faults, phases[].faults): the mock's own declaration (null: its
 * defaults). The rules joining its fields stay the mock's (resolveFaults), run after the scenario's.
 */
export const MOCK_FAULTS = Type.Union([FAULTS_SCHEMA, Type.Null()], { description: "the mock's faults (tailgate mock --faults; scenarios/faults.schema.json)" });

/** Retry settings moved to the client config (`retry:`), where a preset sets them as its library does. */
const MOVED_TO_RETRY = ['maxRetries', 'initialBackoffMs', 'maxBackoffMs', 'honorRetryAfter'] as const;
const moved = (key: string) => opt(Type.Never({ description: `now retry.${key}: the client config's retry settings, which its preset fills in` }));

const { timeoutS, hedgeDelayS, hedgeBudgetPct, retryBudgetPct } = PREFERENCE.properties;
const CLIENT_POLICY = object(
  {
    timeoutS: opt(timeoutS),
    hedgeDelayS: opt(hedgeDelayS),
    hedgeBudgetPct: opt(hedgeBudgetPct),
    retryBudgetPct: opt(retryBudgetPct),
    budgetFloor: opt(Type.Number({ minimum: 0, maximum: 1e6, default: DEFAULT_BUDGET_FLOOR, description: 'tokens per budget window whatever the traffic' })),
    ...(Object.fromEntries(MOVED_TO_RETRY.map((k) => [k, moved(k)])) as Record<(typeof MOVED_TO_RETRY)[number], ReturnType<typeof moved>>),
  },
  'hedging and budgets (as the PerformanceClient preference); retries are the client config’s retry:',
);

const duration = (description: string) =>
  opt(Type.Union([Type.String({ pattern: '^\\s*\\d+(\\.\\d+)?\\s*(ms|s)\\s*$', description: 'a duration such as 500ms or 10s' }), Type.Number({ exclusiveMinimum: 0 })], { description: `${description}; or ms` }));
/** Per-request objectives; goodput is the share of requests meeting all of them. */
const SLO = object(
  { ttft: duration('time to first token, e.g. 500ms (streams)'), itl: duration("a request's mean gap between tokens, e.g. 50ms (streams)"), e2e: duration('the whole request, e.g. 10s') },
  'per-request service-level objectives (goodput: the share of requests meeting all of them)',
);

// A scenario file holds no API key: keys come from the environment and never sit in a file that is shared.
const { apiKey: _fromTheEnvironment, ...CLIENT_OPTIONS } = CLIENT_CONFIG_INPUT.properties;
const PROFILE = object({
  name: NAME,
  description: opt(Type.String()),
  extends: opt(Type.String({ description: 'another profile of this scenario to start from' })),
  ...CLIENT_OPTIONS,
  client: opt(CLIENT_POLICY),
  slo: opt(SLO),
});

export const MOCK_TARGET = object({
  faults: opt(MOCK_FAULTS),
  embeddingDim: opt(MOCK_SETTINGS.properties.embeddingDim),
  tokensPerSecond: opt(MOCK_SETTINGS.properties.tokensPerSecond),
  backlog: opt(MOCK_SETTINGS.properties.backlog),
});

const TARGET = object(
  {
    url: opt(Type.String({ pattern: '^https?://', writeOnly: true, description: 'a real endpoint (http:// or https://); omit to use the embedded mock' })),
    headers: opt(headersSchema('headers sent to the target with every request')),
    mock: opt(MOCK_TARGET),
  },
  'the embedded mock (default) or a real endpoint',
);

export const WORKLOAD = object({
  kind: Type.Enum(WORKLOAD_KINDS, { description: 'what each request asks for' }),
  path: opt(Type.String({ pattern: '^/', description: 'defaults to the kind’s usual endpoint' })),
  method: opt(Type.Enum(HTTP_METHODS)),
  model: opt(Type.String()),
  inputsPerRequest: opt(Type.Integer({ minimum: 1, maximum: 100_000, default: 16, description: 'texts per embed/classify request, documents per rerank' })),
  textChars: opt(Type.Object({ min: opt(Type.Integer({ minimum: 1, maximum: 1e7, default: 50 })), max: opt(Type.Integer({ minimum: 1, maximum: 1e7, default: 200 })) }, { additionalProperties: false, default: {} })),
  maxTokens: opt(Type.Integer({ minimum: 1, maximum: 100_000, default: 32, description: 'stream: tokens to generate' })),
  body: opt(Type.Unknown({ description: 'request/batchPost: the JSON body sent' })),
});

/** What every load has once resolved (the report records it), whether or not its model reads it. */
export const LOAD_DEFAULTS = { thinkTimeMs: 0, maxInFlight: 1024 };
const RUN_LENGTH = {
  durationS: opt(Type.Number({ minimum: 0.001, maximum: 86_400, description: 'how long to send, seconds' })),
  requests: opt(Type.Integer({ minimum: 1, maximum: 1e9, description: 'how many requests to send at most' })),
};
const maxInFlight = opt(Type.Integer({ minimum: 1, maximum: 1024, default: LOAD_DEFAULTS.maxInFlight, description: 'logical requests in flight at most; beyond it they wait and count as late' }));
const ARRIVAL = {
  arrival: opt(Type.Enum(ARRIVALS, { description: 'constant (default) gaps, or random: poisson, gamma (with burstiness)' })),
  burstiness: opt(Type.Number({ minimum: 0.01, maximum: 1000, description: 'gamma: the gaps’ shape, as vLLM’s benchmark (1 = Poisson, below 1 burstier); CV = 1/√burstiness' })),
  seed: opt(Type.Integer({ minimum: 0, maximum: 4_294_967_295, description: 'poisson, gamma: the arrivals’ seed (default 1); every profile gets the same arrivals' })),
};
const model = <M extends LoadModel, P extends Record<string, TSchema>>(name: M, description: string, properties: P) =>
  Type.Object({ model: Type.Literal(name), ...properties }, { additionalProperties: false, description });

export const LOAD = Type.Union(
  [
    model('closed', 'users that each send their next request when the last one ends: service time at a concurrency', {
      users: Type.Integer({ minimum: 1, maximum: 100_000, description: 'concurrent users' }),
      thinkTimeMs: opt(Type.Number({ minimum: 0, maximum: 3_600_000, default: LOAD_DEFAULTS.thinkTimeMs, description: 'each user’s pause between its requests' })),
      ...RUN_LENGTH,
    }),
    model('open', 'requests at a rate the server cannot slow: latency at a rate', {
      rate: RATE,
      ...RUN_LENGTH,
      maxInFlight,
      ...ARRIVAL,
    }),
    model('ramping', 'an open load whose rate ramps linearly from stage to stage', {
      stages: Type.Array(object({ durationS: Type.Number({ minimum: 0.001, maximum: 86_400 }), rate: Type.Number({ minimum: 0, maximum: MAX_RATE }) }), { minItems: 1, description: 'each stage ramps linearly to its rate' }),
      ...RUN_LENGTH,
      maxInFlight,
      ...ARRIVAL,
    }),
    model('bursts', 'requests sent together, with idle gaps between (which expose keep-alive expiry)', {
      burstSize: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'requests sent at once' }),
      burstGapMs: Type.Number({ minimum: 0, maximum: 3_600_000, description: 'idle gap between bursts' }),
      ...RUN_LENGTH,
    }),
    model('trace', 'requests replayed from a JSONL file at their offsets', {
      file: Type.String({ minLength: 1, description: 'a JSONL file of {"atMs": n, "path"?, "body"?} lines, relative to the scenario’s folder' }),
      speedup: opt(Type.Number({ minimum: 0.001, maximum: 1_000_000, description: 'replay this many times faster (offsets are divided by it; default 1)' })),
      ...RUN_LENGTH,
      maxInFlight,
    }),
  ],
  { description: 'how requests are sent: the model, then its own fields' },
);
/** Every model the report records (LOAD_MODELS) has its branch here, and no branch is another: or this file does not compile. */
const EVERY_MODEL_DECLARED: [Exclude<LoadModel, Static<typeof LOAD>['model']>] extends [never] ? true : never = true;
void EVERY_MODEL_DECLARED;

const THRESHOLD = Type.Union([
  Type.String({ description: "an expression: 'p(99)<300ms over 10s'" }),
  object({ threshold: Type.String(), abortOnFail: opt(Type.Boolean({ description: 'stop the run once it is lost' })) }),
]);
export const GATE = object({ thresholds: opt(Type.Array(THRESHOLD)), maxRegression: opt(Type.Array(Type.String())) });

export const SCENARIO = object({
  $schema: opt(Type.String()),
  name: NAME,
  description: opt(Type.String()),
  target: opt(TARGET),
  workload: WORKLOAD,
  load: LOAD,
  warmup: opt(object({ durationS: opt(Type.Number({ minimum: 0.001, maximum: 3600 })), requests: opt(Type.Integer({ minimum: 1, maximum: 1e7 })) })),
  phases: opt(
    Type.Array(
      object({
        atS: Type.Number({ minimum: 0, maximum: 86_400 }),
        name: opt(Type.String()),
        rate: opt(Type.Number({ minimum: 0, maximum: MAX_RATE })),
        faults: opt(MOCK_FAULTS),
      }),
    ),
  ),
  profiles: Type.Array(PROFILE, { minItems: 1 }),
  slo: opt(SLO),
  metricDefinitions: opt(
    Type.Enum(METRIC_DEFINITIONS, {
      default: 'tailgate',
      description: "what TTFT, ITL and TPOT mean (docs/metrics.md): tailgate's, or as vLLM's benchmark or genai-perf count them, to set beside theirs",
    }),
  ),
  gate: opt(GATE),
});

/** A scenario as written (checked against SCENARIO), before profiles and defaults are resolved. */
export type ScenarioInput = Static<typeof SCENARIO>;
export type ProfileInput = Static<typeof PROFILE>;

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
  load: LoadSettings;
  warmup: { durationS?: number; requests?: number } | null;
  phases: { atS: number; name?: string; rate?: number; faults?: FaultConfig }[];
  profiles: ResolvedProfile[];
  gate: GateSettings;
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
