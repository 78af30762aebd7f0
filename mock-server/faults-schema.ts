/**
 * The fault configuration, declared once (the schema kit, src/util/schema.ts): every field's type, range,
 * default and meaning. From this one declaration come the TypeScript types, the validation of a faults
 * file, of `target.mock.faults` and `phases[].faults` in a scenario, of the admin API's POST
 * /__tailgate/faults and of the x-tailgate-fault-* headers (request-faults.ts), and the JSON Schema editors
 * read (scenarios/faults.schema.json). The rules that join two fields stay code (faults.ts).
 */
import { Type, type Static, type TProperties } from '../src/util/schema.js';

/** An hour: the longest any one time in a fault may be. */
export const MAX_FAULT_MS = 3_600_000;
/** A day, for the times that shape a whole run (down windows, idle timeouts). */
const DAY_MS = 86_400_000;

const ms = (description: string, minimum = 0) => Type.Number({ minimum, maximum: MAX_FAULT_MS, description });

/** Each latency distribution's own fields. */
const LATENCY = {
  fixed: { dist: Type.Literal('fixed'), ms: ms('the time, every time (ms)') },
  uniform: { dist: Type.Literal('uniform'), minMs: ms('the shortest time (ms)'), maxMs: ms('the longest time (ms), >= minMs') },
  normal: { dist: Type.Literal('normal'), meanMs: ms('the mean (ms)'), stddevMs: ms('the standard deviation (ms); draws below 0 are 0') },
  lognormal: { dist: Type.Literal('lognormal'), medianMs: ms('the median (ms)', 0.001), p99Ms: ms('the 99th percentile (ms), >= medianMs', 0.001) },
  pareto: {
    dist: Type.Literal('pareto'),
    minMs: ms('the scale: the shortest time (ms)', 0.001),
    alpha: Type.Number({ minimum: 0.1, maximum: 100, description: 'the shape: smaller is a heavier tail' }),
  },
  bimodal: {
    dist: Type.Literal('bimodal'),
    fastMs: ms('the usual time (ms)'),
    slowMs: ms('the slow time (ms)'),
    slowPct: Type.Number({ minimum: 0, maximum: 100, description: 'the share of slow draws (%)' }),
  },
  hdr: {
    dist: Type.Literal('hdr'),
    histogram: Type.String({ minLength: 1, maxLength: 262_144, description: "a recorded distribution replayed: a base64 compressed HDR histogram (µs), as a twin file or a report's histograms carry" }),
  },
};

/** An object with exactly the fields declared. */
const closed = <P extends TProperties>(props: P) => Type.Object(props, { additionalProperties: false });

/** A latency distribution on its own (llm.ttft, llm.itl), tagged by dist: {dist: lognormal, medianMs: 40, p99Ms: 400}. */
export const LATENCY_SCHEMA = Type.Union(
  [closed(LATENCY.fixed), closed(LATENCY.uniform), closed(LATENCY.normal), closed(LATENCY.lognormal), closed(LATENCY.pareto), closed(LATENCY.bimodal), closed(LATENCY.hdr)],
  { description: 'a latency distribution, by dist' },
);
export type LatencySpec = Static<typeof LATENCY_SCHEMA>;
/** The fixed latency's time: an x-tailgate-fault-delay-ms header is held to it. */
export const DELAY_MS_SCHEMA = LATENCY.fixed.ms;

/** What every rule may carry besides its kind's own fields. */
const RULE_COMMON = {
  path: Type.Optional(
    Type.String({ maxLength: 2048, pattern: '^/[^\\u0000-\\u0020\\u007f]*$', description: 'a path starting with /, exact or a prefix ending in * (the query included); absent: every path' }),
  ),
  probability: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'the chance the rule fires on a matching request (absent: 1)' })),
};
const rule = <K extends string, P extends TProperties>(kind: K, props: P) => closed({ kind: Type.Literal(kind), ...RULE_COMMON, ...props });

/** The status rule's own fields: an x-tailgate-fault-status header is held to its status. */
export const STATUS_RULE_FIELDS = {
  status: Type.Integer({ minimum: 400, maximum: 599, description: 'the status answered' }),
  retryAfterS: Type.Optional(Type.Number({ minimum: 0, maximum: 86_400, description: 'a Retry-After sent with it (s)' })),
};

/** Every rule, tagged by kind (a latency rule then by dist), each kind with its own fields. */
const RULE_SCHEMA = Type.Union(
  [
    rule('latency', LATENCY.fixed),
    rule('latency', LATENCY.uniform),
    rule('latency', LATENCY.normal),
    rule('latency', LATENCY.lognormal),
    rule('latency', LATENCY.pareto),
    rule('latency', LATENCY.bimodal),
    rule('latency', LATENCY.hdr),
    rule('status', STATUS_RULE_FIELDS),
    rule('rate_limit', {
      rate: Type.Number({ minimum: 0.001, maximum: 1e6, description: 'tokens added per second' }),
      burst: Type.Integer({ minimum: 1, maximum: 1e6, description: "the bucket's size" }),
      scope: Type.Optional(Type.Union([Type.Literal('global'), Type.Literal('client')], { description: 'one bucket for everyone, or one per client address (absent: global)' })),
      retryAfter: Type.Optional(Type.Union([Type.Literal('seconds'), Type.Literal('date')], { description: 'how the 429 says when to come back (absent: seconds)' })),
    }),
    rule('reset_on_reuse', { idleMs: ms('reset (RST) a reused connection that sat idle at least this long (ms)') }),
    rule('blackhole_on_reuse', { idleMs: ms('never answer on a reused connection that sat idle at least this long (ms)') }),
    rule('slow_headers', { ms: ms('the wait before the headers go out, after the service time (ms)') }),
    rule('slow_body', { chunks: Type.Integer({ minimum: 1, maximum: 10_000, description: 'the body in this many pieces' }), ms: ms('the wait between pieces (ms)') }),
    rule('stall_after_headers', {}),
    rule('truncated_body', {}),
    rule('malformed_json', {}),
    rule('empty_response', {}),
  ],
  { description: 'a fault rule, by kind' },
);
export type FaultRule = Static<typeof RULE_SCHEMA>;
export type RuleKind = FaultRule['kind'];
/** Every rule kind, in the declaration's order. */
export const RULE_KINDS = [...new Set(RULE_SCHEMA.anyOf.map((b) => b.properties.kind.const))] as RuleKind[];

const nullableInt = (minimum: number, maximum: number, description: string) =>
  Type.Optional(Type.Union([Type.Integer({ minimum, maximum }), Type.Null()], { default: null, description: `${description}; null: no limit` }));

const CAPACITY_SCHEMA = Type.Object(
  {
    maxConnections: nullableInt(1, 1e6, 'open connections allowed at once'),
    onExceed: Type.Optional(
      Type.Union([Type.Literal('reset'), Type.Literal('backlog')], {
        default: 'reset',
        description: 'beyond maxConnections: reset new connections, or stop accepting so the backlog fills (connect timeouts)',
      }),
    ),
    maxInFlight: nullableInt(1, 1e6, 'requests in flight at once; beyond it 503 with Retry-After'),
  },
  { additionalProperties: false, default: {} },
);

const latencyOrNull = (description: string) => Type.Optional(Type.Union([LATENCY_SCHEMA, Type.Null()], { default: null, description }));

/** How /v1/completions and /v1/chat/completions generate (llm-config.ts has the model). */
const LLM_SCHEMA = Type.Object(
  {
    ttft: latencyOrNull("time to first token after the prefill (ms); null: one token interval at the server's tokensPerSecond"),
    itl: latencyOrNull('time per output token after the first, one sequence running (ms); null: 1000 / tokensPerSecond'),
    prefillMsPer1kTokens: Type.Optional(Type.Number({ minimum: 0, maximum: MAX_FAULT_MS, default: 0, description: 'prefill time per 1000 prompt tokens (ms), before the ttft draw' })),
    maxSequences: nullableInt(1, 1e6, 'sequences generating at once; more queue (FIFO) before their prefill'),
    slowdownPerSequence: Type.Optional(
      Type.Number({ minimum: 0, maximum: 100, default: 0, description: 'each further running sequence stretches every token time by this fraction of itl' }),
    ),
    outputTokens: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1, maximum: 100_000 }), Type.Null()], {
        default: null,
        description: 'the answer\'s natural length: min(max_tokens, outputTokens), finish_reason "stop" when it came first; null: always max_tokens (16 when absent)',
      }),
    ),
    alwaysUsage: Type.Optional(Type.Boolean({ default: false, description: 'send the usage chunk on every stream, not only when stream_options.include_usage asks' })),
  },
  { additionalProperties: false, default: {} },
);

const DOWN_WINDOW_SCHEMA = Type.Object(
  {
    atMs: Type.Number({ minimum: 0, maximum: DAY_MS, description: 'when the window starts, after the faults were set (ms)' }),
    forMs: Type.Number({ minimum: 1, maximum: DAY_MS, description: 'how long the listener stays closed (ms)' }),
  },
  { additionalProperties: false },
);

/** The fault configuration: a faults file, a scenario's mock faults, the admin API's body. */
export const FAULTS_SCHEMA = Type.Object(
  {
    $schema: Type.Optional(Type.String({ description: 'the JSON Schema this file follows (for editors; ignored)' })),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 32 - 1, default: 1, description: 'seed for every random choice: the same seed and request order reproduce a run' })),
    workers: nullableInt(1, 100_000, 'requests the server works on at once; more wait their turn, as on a saturated model server'),
    idleTimeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: DAY_MS, default: 60_000, description: 'close a keep-alive connection idle this long (FIN)' })),
    keepAliveHint: Type.Optional(
      Type.Union([Type.Boolean(), Type.Integer({ minimum: 0, maximum: 86_400 })], {
        default: true,
        description: 'the Keep-Alive: timeout= hint: true the truth, false none, a number that (wrong) value in seconds',
      }),
    ),
    maxRequestsPerConnection: nullableInt(1, 1e9, 'close a connection after this many requests (Connection: close on the last)'),
    capacity: Type.Optional(CAPACITY_SCHEMA),
    down: Type.Optional(Type.Array(DOWN_WINDOW_SCHEMA, { maxItems: 1000, default: [], description: 'listener down (connection refused) for forMs, from atMs' })),
    rules: Type.Optional(Type.Array(RULE_SCHEMA, { maxItems: 1000, default: [], description: 'the faults, each on the requests its path matches; the first rule of a kind that fires acts' })),
    llm: Type.Optional(LLM_SCHEMA),
  },
  { additionalProperties: false },
);

/** A fault config as written: every field may be left to its default. */
export type FaultsInput = Static<typeof FAULTS_SCHEMA>;
export type CapacityConfig = Required<Static<typeof CAPACITY_SCHEMA>>;
export type LlmConfig = { [K in keyof Static<typeof LLM_SCHEMA>]-?: K extends 'ttft' | 'itl' ? LatencySpec | null : Exclude<Static<typeof LLM_SCHEMA>[K], undefined> };
/** A fault config resolved: every default filled in. */
export type FaultConfig = Required<Omit<FaultsInput, '$schema' | 'capacity' | 'llm' | 'rules'>> & { capacity: CapacityConfig; llm: LlmConfig; rules: FaultRule[] };
