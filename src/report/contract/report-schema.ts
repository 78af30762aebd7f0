/**
 * Report JSON, schemaVersion 1, declared once with the schema kit: every field the renderers, the gate,
 * compare and merge read, with its type and range. The measured part of a profile is metrics' declaration
 * (MEASURED_PROFILE); the client's config is the engine's (CLIENT_CONFIG); the mock's counts are the mock's
 * (carried as an object: the report stands below the mock's code). Fields added after the first reports
 * are optional, so older reports still read. `scenarios/report.schema.json` is this, generated
 * (`tailgate schema --report`); what only code can check (histograms decode, counts add up) is in
 * validate-report.ts.
 *
 * Limits: no real report comes near them; a crafted one past them is refused by its shape, before any
 * work proportional to its size.
 */
import { CLIENT_CONFIG } from '../../engine/index.js';
import { COUNT, countGroup, countsBy, COUNT_NAME, INTERVAL_SERIES, LATENCY_SUMMARY, MEASURED_PROFILE, MAX_REPEAT, METRIC_DEFINITIONS, orNull, REPEATS, SPAN_MS, STREAM_SUMMARIES } from '../../metrics/contract.js';
import { jsonSchema, Type, type Static, type TSchema } from '../../util/schema.js';
import { LOAD_MODELS, type Report } from './report.js';

/** The most profiles a report holds: a scenario's profiles, or the clients one proxy session watched; no run has a thousand. */
export const MAX_PROFILES = 1000;
/** The most findings one profile carries (the rules raise a few dozen at most). */
export const MAX_FINDINGS = 200;
/** Phases of a scenario's timeline, shards of a run, wire stories, and other short lists. */
export const MAX_LIST = 1000;
/** Text a report carries (a name, a finding's words, a URL): a report's strings are short. */
export const MAX_TEXT = 64 * 1024;

const TEXT = Type.String({ maxLength: MAX_TEXT });
const NAME = Type.String({ minLength: 1, maxLength: 1024 });
const list = <T extends TSchema>(item: T, maxItems = MAX_LIST) => Type.Array(item, { maxItems });
const SEVERITY = Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')]);
const HEADLINE = Type.Union([Type.Literal('p(99)'), Type.Literal('error_rate'), Type.Literal('goodput')]);
const FIX_VALUE = Type.Union([Type.Number(), TEXT, Type.Boolean(), Type.Null()]);
const FIX_SETTINGS = Type.Record(Type.String({ pattern: '^[a-z][A-Za-z0-9]*(\\.[a-z][A-Za-z0-9]*)*$', maxLength: 128 }), FIX_VALUE, { maxProperties: 100 });
const NUMBER_OR_NULL = orNull(Type.Number());

export const FINDING = Type.Object({
  id: NAME,
  severity: SEVERITY,
  symptom: TEXT,
  evidence: TEXT,
  cause: TEXT,
  fix: TEXT,
  /** A name of report/finding-metrics.ts (checked on read where a verification reads it). */
  metric: Type.Optional(Type.String({ maxLength: 128 })),
  change: Type.Optional(
    orNull(Type.Object({ settings: FIX_SETTINGS, client: orNull(TEXT), tradeOffs: Type.Optional(list(Type.Object({ metric: HEADLINE, why: TEXT }), 10)) })),
  ),
});

export const FIX_VERIFICATION = Type.Object({
  profile: TEXT,
  settings: FIX_SETTINGS,
  conflicts: list(TEXT),
  findings: list(Type.Object({ id: NAME, severity: SEVERITY, metric: Type.String({ maxLength: 128 }), before: NUMBER_OR_NULL, after: NUMBER_OR_NULL, resolved: Type.Boolean(), improved: Type.Boolean() }), 200),
  newFindings: list(Type.Object({ id: NAME, severity: SEVERITY, symptom: TEXT }), 200),
  headline: list(Type.Object({ metric: HEADLINE, before: NUMBER_OR_NULL, after: NUMBER_OR_NULL, worse: Type.Boolean(), tradeOff: Type.Optional(orNull(TEXT)) }), 10),
  verified: Type.Boolean(),
  inconclusive: Type.Optional(TEXT),
  reruns: Type.Optional(COUNT),
});

/** A shard's index, and so how many shards one run may have (`coordinate --shards`). */
export const SHARD_INDEX = Type.Integer({ minimum: 1, maximum: MAX_LIST });
const PER_SHARD_MS = Type.Record(Type.String({ pattern: '^[0-9]{1,4}$' }), NUMBER_OR_NULL, { maxProperties: MAX_LIST });

export const DISTRIBUTION = Type.Object({
  shards: SHARD_INDEX,
  mode: Type.Union([Type.Literal('workers'), Type.Literal('coordinated')]),
  startSkewMs: PER_SHARD_MS,
  clockRttMs: PER_SHARD_MS,
  missing: list(Type.Object({ index: SHARD_INDEX, status: Type.Union([Type.Literal('failed'), Type.Literal('missing')]), detail: orNull(TEXT) })),
});

const SUMMARY = orNull(LATENCY_SUMMARY);

/** A proxy's `wire` section (contract/wire.ts says what each count is): the counts the wire findings read. */
export const WIRE = Type.Object({
  userAgent: orNull(TEXT),
  library: orNull(Type.Object({ name: TEXT, version: orNull(TEXT) })),
  connections: Type.Object({
    ...countGroup(['opened', 'http2', 'tls', 'maxOpen', 'closedByClient', 'resetByClient', 'servedOne', 'maxRequests', 'openedWhileIdle', 'openedAfterOwnClose']).properties,
    closedByProxy: countsBy(COUNT_NAME, MAX_LIST),
  }),
  reuse: Type.Object({ ...countGroup(['reused', 'afterUpstreamIdle', 'stale', 'backToBack']).properties, idleBeforeReuseMs: SUMMARY }),
  plateau: orNull(countGroup(['connections', 'ms', 'requests', 'backToBack'])),
  idleCloses: Type.Object({ byClientMs: SUMMARY, byUpstreamMs: SUMMARY }),
  /** The proxy keeps at most 600 rows of it (proxy/series.ts). */
  concurrency: list(Type.Object({ t: SPAN_MS, connections: COUNT, inFlight: COUNT })),
  repeats: Type.Object({ ...countGroup(['retries', 'sdkRetries', 'outerRetries', 'hedges', 'hedgesWon', 'losersCancelled', 'repeats', 'maxChain']).properties, spacingMs: SUMMARY }),
  retryAfter: Type.Object({ ...countGroup(['given', 'honoured', 'ignored']).properties, askedMs: SUMMARY, waitedMs: SUMMARY }),
  upstream: Type.Object({ idleTimeoutMs: orNull(SPAN_MS), idleTimeoutSource: orNull(TEXT), longestIdleThatWorkedMs: orNull(SPAN_MS) }),
  stories: list(Type.Object({}, { additionalProperties: true })),
});

/** Counts by a key the report did not choose (a path, a port): any short text, at most `max` of them. */
const countsByText = (max: number) => Type.Record(Type.String({ maxLength: 1024 }), COUNT, { maxProperties: max });
const ANY_KEY_COUNTS = countsByText(MAX_LIST);

/**
 * The mock's own counts (mock-server's MockStats, its admin API's contract): what merge adds and the
 * renderings read. Declared here by shape, as the report stands below the mock's code; fields the mock
 * added later are optional.
 */
export const SERVER = Type.Object({
  since: TEXT,
  pid: COUNT,
  connections: Type.Object({ ...countGroup(['accepted', 'open', 'maxOpen', 'closedByServer', 'closedByClient', 'rejected']).properties, http2: Type.Optional(COUNT), byRemotePort: Type.Optional(countsByText(65_536)) }),
  requests: Type.Object({
    ...countGroup(['total', 'inFlight', 'maxInFlight']).properties,
    byPath: ANY_KEY_COUNTS,
    byStatus: ANY_KEY_COUNTS,
    byAttemptKind: ANY_KEY_COUNTS,
    ...Object.fromEntries(['onReusedConnection', 'tokensIn', 'tokensOut'].map((k) => [k, Type.Optional(COUNT)])),
  }),
  sequences: Type.Optional(countGroup(['active', 'maxActive', 'queued', 'maxQueued', 'completed', 'abandoned'])),
  faults: ANY_KEY_COUNTS,
});

/** How a profile hedges and spends budgets (contract/report.ts' ClientPolicy). */
export const CLIENT_POLICY = Type.Object({
  timeoutS: Type.Optional(orNull(SPAN_MS)),
  hedgeDelayS: Type.Optional(orNull(SPAN_MS)),
  hedgeBudgetPct: Type.Number({ minimum: 0, maximum: 100 }),
  retryBudgetPct: Type.Number({ minimum: 0, maximum: 100 }),
  budgetFloor: Type.Number({ minimum: 0 }),
});

export const PROFILE_REPORT = Type.Object({
  ...MEASURED_PROFILE.properties,
  name: NAME,
  description: Type.Optional(orNull(TEXT)),
  startedAt: Type.Optional(TEXT),
  preset: Type.Optional(orNull(TEXT)),
  /** Resolved, secrets redacted; an older report's missing options are read as their defaults. */
  config: CLIENT_CONFIG,
  client: Type.Optional(CLIENT_POLICY),
  phases: Type.Optional(list(Type.Object({ t: SPAN_MS, name: TEXT, faults: Type.Optional(Type.Boolean()), endT: Type.Optional(SPAN_MS) }))),
  warmup: orNull(Type.Object({ requests: COUNT, ok: COUNT, failed: COUNT, latencyMs: SUMMARY })),
  eventLoop: orNull(Type.Object({ meanMs: SPAN_MS, p99Ms: SPAN_MS, maxMs: SPAN_MS })),
  /** The mock's own counts (mock-server's MockStats), when the target was the mock. */
  server: Type.Optional(orNull(SERVER)),
  findings: list(FINDING, MAX_FINDINGS),
  repeats: Type.Optional(REPEATS),
  wire: Type.Optional(WIRE),
});

const NUMBER = Type.Number({ minimum: 0 });

/** The load a run was given (contract/report.ts' LoadSettings), or `observed` for a proxy's clients. */
export const RECORDED_LOAD = Type.Object({
  model: Type.Enum([...LOAD_MODELS, 'observed']),
  ...Object.fromEntries(['users', 'thinkTimeMs', 'rate', 'burstSize', 'burstGapMs', 'durationS', 'requests', 'maxInFlight', 'burstiness', 'seed', 'speedup'].map((k) => [k, Type.Optional(NUMBER)])),
  stages: Type.Optional(list(Type.Object({ durationS: NUMBER, rate: NUMBER }))),
  arrival: Type.Optional(TEXT),
  file: Type.Optional(TEXT),
});

export const REPORT = Type.Object({
  schemaVersion: Type.Literal(1),
  tool: Type.Object({ name: TEXT, version: TEXT }),
  scenario: Type.Object({ name: TEXT, file: Type.Optional(orNull(TEXT)), hash: TEXT }),
  runId: Type.Optional(TEXT),
  startedAt: TEXT,
  endedAt: TEXT,
  partial: Type.Boolean(),
  stoppedBy: Type.Optional(Type.Object({ profile: TEXT, threshold: TEXT, detail: TEXT })),
  target: Type.Object({ kind: Type.Optional(Type.Union([Type.Literal('mock'), Type.Literal('url')])), url: TEXT }),
  load: RECORDED_LOAD,
  workload: Type.Object({ kind: TEXT, path: TEXT, method: TEXT }),
  gate: Type.Optional(Type.Object({ thresholds: list(Type.Union([TEXT, Type.Object({ threshold: TEXT, abortOnFail: Type.Optional(Type.Boolean()) })]), 200), maxRegression: list(TEXT, 200) })),
  metricDefinitions: Type.Optional(Type.Enum([...METRIC_DEFINITIONS])),
  shard: Type.Optional(orNull(Type.Object({ index: SHARD_INDEX, count: SHARD_INDEX }))),
  repeat: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_REPEAT })),
  verification: Type.Optional(list(FIX_VERIFICATION, MAX_PROFILES)),
  mergedFrom: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIST })),
  distribution: Type.Optional(orNull(DISTRIBUTION)),
  profiles: list(PROFILE_REPORT, MAX_PROFILES),
});


/** The report's JSON Schema as shipped (scenarios/report.schema.json), for ajv and users' scripts. */
export const reportJsonSchema = () =>
  jsonSchema(REPORT, {
    title: 'tailgate report (schemaVersion 1)',
    description: 'The JSON a run writes: what the report, gate, compare and merge commands read. Histograms are checked beyond this schema (their encoding), and requests.total = ok + failed.',
  }, { measuredProfile: MEASURED_PROFILE, intervalSeries: INTERVAL_SERIES, streamSummaries: STREAM_SUMMARIES, latencySummary: LATENCY_SUMMARY });

/**
 * What the code writes is what the declaration accepts: the report's TypeScript interfaces (report.ts,
 * measured.ts) must stay assignable to it, or this file does not compile.
 */
type Accepts<Declared, Written extends Declared> = Written;
export type ReportConforms = Accepts<Static<typeof REPORT>, Report>;
