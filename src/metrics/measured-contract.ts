/**
 * What one profile's run measured, declared with the schema kit: the part of a report's profile that
 * metrics owns (the report contract composes it). Fields added after the first reports are optional here,
 * so older reports still read; the limits are ones no real run reaches, so a crafted report is refused by
 * its shape before anything proportional to its size is done with it.
 */
import { Type } from '../util/schema.js';
import { ENCODED_HISTOGRAM } from './histogram-check.js';
import { INTERVAL_SERIES, MAX_REPEAT } from './intervals.js';
import { LATENCY_SUMMARY } from './latency-summary.js';
import { TIMINGS } from './metric-registry.js';
import { COUNT, COUNT_NAME, countGroup, countsBy, orNull, PER_SECOND, SPAN_MS } from './schema-parts.js';
import { GENERATOR_HISTOGRAMS, HISTOGRAM_NAMES, NEWER_HISTOGRAMS } from './measured.js';
import { METRIC_DEFINITIONS } from './stream-meter.js';

/**
 * The most timeline rows a profile carries. A run writes one a second (a day's load is 86,400) and
 * `--repeat` puts its runs' rows one after another, so the bound that holds is the file's: a report is
 * read only up to 64 MB, and a row is at least 128 bytes of JSON (its fields, all zero), so no readable
 * report has more than about 525,000. The limit is there so that a crafted list is refused before it is walked.
 */
export const MAX_TIMELINE_ROWS = 600_000;
/** Distinct names in a map of counts (statuses: 100..599; error codes, close reasons: a few dozen). */
export const MAX_COUNT_NAMES = 512;

const SUMMARY = orNull(LATENCY_SUMMARY);
const MS_OR_NULL = orNull(SPAN_MS);
const counts = (description?: string) => countsBy(COUNT_NAME, MAX_COUNT_NAMES, description);
/** A group whose first `required` members every report has and whose others came later. */
const laterGroup = <K extends string, L extends string>(required: readonly K[], later: readonly L[]) =>
  Type.Object({ ...(Object.fromEntries(required.map((n) => [n, COUNT])) as Record<K, typeof COUNT>), ...(Object.fromEntries(later.map((n) => [n, Type.Optional(COUNT)])) as Record<L, ReturnType<typeof Type.Optional<typeof COUNT>>>) });

export const TIMELINE_ROW = Type.Object({
  /** Seconds since the measured run began. */
  t: Type.Number({ minimum: 0, maximum: MAX_TIMELINE_ROWS * 100 }),
  rps: COUNT,
  p50Ms: MS_OR_NULL,
  p99Ms: MS_OR_NULL,
  errors: COUNT,
  errorsByCode: counts(),
  inFlight: COUNT,
  connectionsOpened: COUNT,
  connectionsReused: COUNT,
});

/** The histograms every report has (the timings first declared), and those added later (optional). */
const FIRST_HISTOGRAMS = HISTOGRAM_NAMES.filter((n) => !NEWER_HISTOGRAMS.has(n));
const LATER_HISTOGRAMS = [...NEWER_HISTOGRAMS, ...GENERATOR_HISTOGRAMS];

export const STREAM_SUMMARIES = Type.Object({ ttftMs: SUMMARY, itlMs: SUMMARY, tpotMs: SUMMARY });

/** Every timing's summary field (`latencyMs`, `ttftMs`…), from the registry: required unless it came later. */
const timingSummaries = Object.fromEntries(Object.values(TIMINGS).map((t) => [t.summary, 'later' in t ? Type.Optional(SUMMARY) : SUMMARY]));

export const MEASURED_PROFILE = Type.Object({
  loadWindowMs: Type.Optional(SPAN_MS),
  durationMs: SPAN_MS,
  /** total = ok + failed (checked on read). */
  requests: laterGroup(['total', 'ok', 'failed', 'late'] as const, ['abandoned'] as const),
  rate: Type.Object({ offered: orNull(PER_SECOND), achieved: orNull(PER_SECOND) }),
  attempts: countGroup(['total', 'primary', 'hedge', 'retry'] as const),
  statuses: countsBy('^[1-5][0-9][0-9]$', 500, 'responses by HTTP status'),
  errors: counts('tries by error code'),
  requestErrors: counts('logical requests by the code they failed with'),
  connections: laterGroup(['opened', 'reused'] as const, ['closedByServer', 'closedByClient', 'stale'] as const),
  budgets: Type.Object({ hedge: countGroup(['issued', 'won', 'denied'] as const), retry: countGroup(['issued', 'denied'] as const) }),
  ...timingSummaries,
  connectionHoldMs: Type.Optional(SUMMARY),
  streamMetrics: Type.Optional(orNull(Type.Object(Object.fromEntries(METRIC_DEFINITIONS.map((d) => [d, STREAM_SUMMARIES]))))),
  tokens: Type.Optional(Type.Object({ out: COUNT, source: Type.Union([Type.Literal('usage'), Type.Literal('counted'), Type.Literal('mixed'), Type.Null()]), perSecond: orNull(PER_SECOND) })),
  goodput: Type.Optional(
    orNull(Type.Object({ slo: Type.Object({ ttftMs: Type.Optional(SPAN_MS), itlMs: Type.Optional(SPAN_MS), e2eMs: Type.Optional(SPAN_MS) }), met: COUNT, of: COUNT, metNet: Type.Optional(COUNT) })),
  ),
  work: Type.Optional(Type.Object({ ms: SPAN_MS, okPerSecond: orNull(PER_SECOND), tokensPerSecond: orNull(PER_SECOND) })),
  closeReasons: Type.Optional(counts('connections closed, by why')),
  reuse: Type.Optional(Type.Object({ answeredMaxMs: MS_OR_NULL, closedMinMs: MS_OR_NULL, resets: COUNT })),
  lostRaces: Type.Optional(COUNT),
  histograms: Type.Object({
    ...(Object.fromEntries(FIRST_HISTOGRAMS.map((n) => [n, ENCODED_HISTOGRAM])) as Record<'latency' | 'queueWait' | 'connect' | 'ttfb', typeof ENCODED_HISTOGRAM>),
    ...Object.fromEntries(LATER_HISTOGRAMS.map((n) => [n, Type.Optional(ENCODED_HISTOGRAM)])),
  }),
  generator: Type.Optional(Type.Object({ startLagMs: SUMMARY, loopDelayMs: SUMMARY, resolutionMs: SPAN_MS })),
  timeline: Type.Array(TIMELINE_ROW, { maxItems: MAX_TIMELINE_ROWS }),
  intervals: Type.Optional(INTERVAL_SERIES),
});

/** A run with --repeat N keeps each run's measurements: at most MAX_REPEAT of them. */
export const REPEATS = Type.Array(MEASURED_PROFILE, { maxItems: MAX_REPEAT });
