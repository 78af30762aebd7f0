/**
 * The shape of what is measured for one profile's run, in one place: ProfileMetrics produces it
 * (snapshot), the report carries it, merge adds shards of it (addMeasured). Everything here is counted
 * or timed; a value that could not be measured is null.
 */
import { createHistogram, decodeHistogram, encodeHistogram, percentileUs, summarize, type LatencySummary } from './histogram.js';
import { addIntervals, concatIntervals, delayIntervals, INTERVAL_MS, type IntervalSeries } from './intervals.js';
import { PROBE_PERIOD_MS } from './loop-probe.js';
import { TIMING_HISTOGRAMS, TIMING_NAMES, TIMINGS, type TimingName } from './metric-registry.js';
import { METRIC_DEFINITIONS, type MetricDefinitions } from './stream-meter.js';

export interface TimelineRow {
  /** Seconds since the measured run began. */
  t: number;
  /** Logical requests completed in this second. */
  rps: number;
  p50Ms: number | null;
  p99Ms: number | null;
  /** Failed logical requests in this second. */
  errors: number;
  /** Failed attempts by error code in this second. */
  errorsByCode: Record<string, number>;
  inFlight: number;
  /** Connections opened, and attempts on a reused connection, in this second. */
  connectionsOpened: number;
  connectionsReused: number;
}

/**
 * Streams' timings under every definition docs/metrics.md compares (`vllm.itl`: vLLM's ITL), whichever
 * the profile's ttft/itl/tpot show: what re-deriving them needs, bounded (a histogram each).
 */
export const STREAM_TIMINGS = ['ttft', 'itl', 'tpot'] as const;
export type StreamTiming = (typeof STREAM_TIMINGS)[number];
export const DEFINITION_HISTOGRAMS = METRIC_DEFINITIONS.flatMap((d) => STREAM_TIMINGS.map((t) => `${d}.${t}` as const));
export type DefinitionHistogramName = `${MetricDefinitions}.${StreamTiming}`;

/** The histograms a profile keeps (base64 compressed HDR, µs): every timing of the registry's, and what sizes a pool. */
export const HISTOGRAM_NAMES = [...TIMING_HISTOGRAMS, 'connectionHold', ...DEFINITION_HISTOGRAMS] as const;
/** Histograms older reports may lack (they were added later): read as empty. */
export const NEWER_HISTOGRAMS: ReadonlySet<HistogramName> = new Set([...TIMING_NAMES.filter((n) => 'later' in TIMINGS[n]).map((n) => TIMINGS[n].histogram), 'connectionHold', ...DEFINITION_HISTOGRAMS]);

type Later<N extends TimingName> = (typeof TIMINGS)[N] extends { later: true } ? N : never;
/** Every timing's summary (`latencyMs`, `ttfbMs`…), by the registry: those added later are absent from older reports. */
export type TimingSummaries = { [N in Exclude<TimingName, Later<TimingName>> as (typeof TIMINGS)[N]['summary']]: LatencySummary | null } & {
  [N in Later<TimingName> as (typeof TIMINGS)[N]['summary']]?: LatencySummary | null;
};

/**
 * The load generator's own delay (loop-probe.ts), per request. What the server and network took lies
 * between two bounds: `latencySent`, each latency less how late the generator itself sent the request
 * (known exactly; a wait at the in-flight cap is the server's doing and not taken off), and `latencyNet`,
 * less also the longest stall of the generator's event loop while the request was in flight (which may
 * have delayed seeing the answer). `startLag` is how late each request was sent, `loopDelay` every probe
 * tick's lateness. Reports made before they existed, or merged from shards of which one lacks them, have
 * none: the gate then falls back to the run's event-loop summary and says so.
 */
export const GENERATOR_HISTOGRAMS = ['latencySent', 'latencyNet', 'startLag', 'loopDelay'] as const;
export type GeneratorHistogramName = (typeof GENERATOR_HISTOGRAMS)[number];

/** A service-level objective per request; goodput is the share of requests that met all of it (and succeeded). */
export interface Slo {
  /** Time to first token, from the request's intended start. */
  ttftMs?: number;
  /** The request's mean gap between tokens. */
  itlMs?: number;
  /** The whole request. */
  e2eMs?: number;
}

/** Output tokens of streamed requests: from the server's usage when it sent one, else counted chunks. */
export interface TokenCounts {
  out: number;
  source: 'usage' | 'counted' | 'mixed' | null;
  /** Output tokens per second over the load window (over the work: MeasuredProfile.work). */
  perSecond: number | null;
}

/**
 * The time the work took, from the first request sent to the last one finished (the drain included),
 * and what was done per second of it: what a reader means by "requests/s" or "tokens/s". A server that
 * falls behind finishes its work long after the load window: over the window, its rates read as if it
 * had kept up. The load window's rates (rate, tokens.perSecond) are kept as they were, so a gate on
 * `rate` against an older baseline still means what it meant.
 */
export interface ReuseIdle {
  answeredMaxMs: number | null;
  closedMinMs: number | null;
  resets: number;
}

export interface WorkRates {
  ms: number;
  /** Requests completed OK per second of the work: every one, also those that finished after the load window. */
  okPerSecond: number | null;
  /** Output tokens per second of the work (streams), or null. */
  tokensPerSecond: number | null;
}
export type HistogramName = (typeof HISTOGRAM_NAMES)[number];

/** The load generator's own delay, summarized (ms), with the probe's resolution. */
export interface GeneratorDelay {
  /** How late each request was sent after its intended start. */
  startLagMs: LatencySummary | null;
  /** How late the probe's 1 ms timer fired: the event loop's delay. */
  loopDelayMs: LatencySummary | null;
  resolutionMs: number;
}
/** A stream's TTFT, ITL and TPOT summaries under one definition. */
export type StreamSummaries = Record<`${StreamTiming}Ms`, LatencySummary | null>;

export interface MeasuredProfile extends TimingSummaries {
  /** From the start of the measured run to the last request started (the drain after it excluded). */
  loadWindowMs: number;
  /** The measured run, drain included (warm-up excluded). */
  durationMs: number;
  /** Logical requests: total = ok + failed, always; abandoned (in flight when the run stopped) are failed. */
  requests: { total: number; ok: number; failed: number; late: number; abandoned: number };
  /** Requests per second over the load window: started (offered) and completed OK (achieved). */
  rate: { offered: number | null; achieved: number | null };
  /** Attempts written to a connection, by label. */
  attempts: { total: number; primary: number; hedge: number; retry: number };
  /** Every response received, per attempt. */
  statuses: Record<string, number>;
  /** Per error code, per try: attempts sent and tries that failed before they could be (pool, connect). */
  errors: Record<string, number>;
  /** Logical requests by the code they finally failed with. */
  requestErrors: Record<string, number>;
  connections: { opened: number; reused: number; closedByServer: number; closedByClient: number; stale: number };
  /** Tokens taken (issued = attempts of that kind sent), hedges that won, and refusals. */
  budgets: { hedge: { issued: number; won: number; denied: number }; retry: { issued: number; denied: number } };
  /** How long each attempt held its connection (granted to released): what sizes a pool. */
  connectionHoldMs: LatencySummary | null;
  /**
   * Streams only: TTFT, ITL, TPOT under each definition (tailgate's, vLLM's, genai-perf's), so a run can be
   * set beside either benchmark; the report's `metricDefinitions` says which of them ttftMs/itlMs/tpotMs are.
   */
  streamMetrics?: Record<MetricDefinitions, StreamSummaries> | null;
  tokens?: TokenCounts;
  /**
   * With an SLO: requests that met it (and succeeded) of all requests; metNet, those that met it once the
   * generator's own delay is taken off their times (absent in older reports).
   */
  goodput?: { slo: Slo; met: number; of: number; metNet?: number } | null;
  /** Rates over the time the work took (older reports lack it). */
  work?: WorkRates;
  /** Connections closed, by why (max-idle, keepalive-expired, server-fin, server-reset, per-request, ...); older reports lack it. */
  closeReasons?: Record<string, number>;
  /**
   * Reused connections by how long they had sat idle (older reports lack it): the longest idle one that
   * was answered, the shortest idle one found closed (stale, or reset after sending), and how many were
   * reset after sending. A server's idle timeout lies between the two.
   */
  reuse?: ReuseIdle;
  /**
   * Attempts aborted because another attempt of their request had won (hedge races): the client's own
   * choice, not a failure. Also counted in errors.cancelled, as older reports count them.
   */
  lostRaces?: number;
  histograms: Record<HistogramName, string> & Partial<Record<GeneratorHistogramName, string>>;
  /** The load generator's own delay (absent in older reports). */
  generator?: GeneratorDelay;
  timeline: TimelineRow[];
  /** The run in intervals (older reports have none: the gate then assumes independent samples and says so). */
  intervals?: IntervalSeries;
}

type Counts = Record<string, number>;

function addCounts<T extends object>(a: T, b: T): T {
  const out: Counts = { ...(a as Counts) };
  for (const [k, v] of Object.entries(b as Counts)) if (typeof v === 'number') out[k] = (out[k] ?? 0) + v;
  return out as T;
}

function addHistograms(encoded: string[]): string {
  const sum = createHistogram();
  for (const e of encoded) sum.add(decodeHistogram(e));
  return encodeHistogram(sum);
}

const sumOrNull = (values: (number | null)[]) => (values.some((v) => v === null) ? null : values.reduce((a: number, v) => a + (v as number), 0));

/**
 * Shards of one run, measured at the same time: counts, rates and in-flight gauges add up, histograms
 * are added (so percentiles of the whole are exact), summaries are recomputed from them. A timeline
 * row's p50/p99 are recomputed from the shards' per-second histograms, added (withTimeline).
 */
export function addMeasured(parts: MeasuredProfile[]): MeasuredProfile {
  const [first] = parts;
  if (!first) throw new Error('addMeasured needs at least one part');
  const histograms: MeasuredProfile['histograms'] = Object.fromEntries(HISTOGRAM_NAMES.map((n) => [n, addHistograms(parts.map((p) => p.histograms[n]).filter((h) => h !== undefined))])) as Record<HistogramName, string>;
  // A generator histogram summed over some parts only would pass for the whole: kept only when every part has it.
  for (const n of GENERATOR_HISTOGRAMS) {
    const all = parts.map((p) => p.histograms[n]);
    if (all.every((h): h is string => h !== undefined)) histograms[n] = addHistograms(all);
  }
  const sources = new Set(parts.map((p) => p.tokens?.source ?? null).filter((x) => x !== null));
  const goodputs = parts.map((p) => p.goodput).filter((g): g is NonNullable<MeasuredProfile['goodput']> => g !== null && g !== undefined);
  const summary = (n: HistogramName) => summarize(decodeHistogram(histograms[n]));
  const rows = new Map<number, TimelineRow>();
  for (const p of parts) {
    for (const r of p.timeline) {
      const at = rows.get(r.t);
      rows.set(
        r.t,
        at
          ? {
              t: r.t,
              rps: at.rps + r.rps,
              p50Ms: null,
              p99Ms: null,
              errors: at.errors + r.errors,
              errorsByCode: addCounts(at.errorsByCode, r.errorsByCode),
              inFlight: at.inFlight + r.inFlight,
              connectionsOpened: at.connectionsOpened + r.connectionsOpened,
              connectionsReused: at.connectionsReused + r.connectionsReused,
            }
          : { ...r, p50Ms: parts.length > 1 ? null : r.p50Ms, p99Ms: parts.length > 1 ? null : r.p99Ms },
      );
    }
  }
  return {
    loadWindowMs: Math.max(...parts.map((p) => p.loadWindowMs)),
    durationMs: Math.max(...parts.map((p) => p.durationMs)),
    requests: parts.map((p) => p.requests).reduce(addCounts),
    rate: { offered: sumOrNull(parts.map((p) => p.rate.offered)), achieved: sumOrNull(parts.map((p) => p.rate.achieved)) },
    attempts: parts.map((p) => p.attempts).reduce(addCounts),
    statuses: parts.map((p) => p.statuses).reduce(addCounts),
    errors: parts.map((p) => p.errors).reduce(addCounts),
    requestErrors: parts.map((p) => p.requestErrors).reduce(addCounts),
    connections: parts.map((p) => p.connections).reduce(addCounts),
    budgets: {
      hedge: parts.map((p) => p.budgets.hedge).reduce(addCounts),
      retry: parts.map((p) => p.budgets.retry).reduce(addCounts),
    },
    ...(Object.fromEntries(TIMING_NAMES.map((n) => [TIMINGS[n].summary, summary(TIMINGS[n].histogram)])) as Required<TimingSummaries>),
    connectionHoldMs: summary('connectionHold'),
    streamMetrics: parts.some((p) => p.streamMetrics) ? streamSummaries((n) => summary(n)) : null,
    tokens: {
      out: parts.reduce((t, p) => t + (p.tokens?.out ?? 0), 0),
      source: sources.size === 0 ? null : sources.size === 1 ? ([...sources][0] as TokenCounts['source']) : 'mixed',
      perSecond: sumOrNull(parts.map((p) => p.tokens?.perSecond ?? null)),
    },
    goodput: goodputs[0]
      ? {
          slo: goodputs[0].slo,
          met: goodputs.reduce((t, g) => t + g.met, 0),
          of: goodputs.reduce((t, g) => t + g.of, 0),
          ...(goodputs.every((g) => g.metNet !== undefined) ? { metNet: goodputs.reduce((t, g) => t + (g.metNet as number), 0) } : {}),
        }
      : null,
    ...newerFields(parts, 'parallel'),
    histograms,
    ...generatorSummary(histograms),
    ...withTimeline([...rows.values()].sort((a, b) => a.t - b.t), addIntervals(parts.map((p) => p.intervals))),
  };
}

/** The generator's delay summarized from its histograms (nothing when a report or a part lacks them). */
export function generatorSummary(h: MeasuredProfile['histograms']): { generator?: GeneratorDelay } {
  if (h.startLag === undefined || h.loopDelay === undefined) return {};
  return { generator: { startLagMs: summarize(decodeHistogram(h.startLag)), loopDelayMs: summarize(decodeHistogram(h.loopDelay)), resolutionMs: PROBE_PERIOD_MS } };
}

/** Each definition's summaries, from its histograms. */
export function streamSummaries(summary: (name: DefinitionHistogramName) => LatencySummary | null): Record<MetricDefinitions, StreamSummaries> {
  return Object.fromEntries(METRIC_DEFINITIONS.map((d) => [d, { ttftMs: summary(`${d}.ttft`), itlMs: summary(`${d}.itl`), tpotMs: summary(`${d}.tpot`) }])) as Record<MetricDefinitions, StreamSummaries>;
}

/**
 * Shards' per-second p50/p99 cannot be merged from their values, but the shards' per-second histograms
 * can: added, they give the whole run's per-second percentiles exactly (of every completed request).
 */
function withTimeline(timeline: TimelineRow[], intervals: IntervalSeries | undefined): Pick<MeasuredProfile, 'timeline' | 'intervals'> {
  if (intervals && intervals.widthMs === INTERVAL_MS) {
    for (const row of timeline) {
      const encoded = intervals.histograms.latency[row.t];
      if (row.p50Ms !== null || encoded === undefined) continue;
      const h = decodeHistogram(encoded);
      if (h.totalCount === 0) continue;
      row.p50Ms = percentileUs(h, 50) / 1000;
      row.p99Ms = percentileUs(h, 99) / 1000;
    }
  }
  return { timeline, ...optional('intervals', intervals) };
}

/**
 * A part measured from `seconds` after the earliest part began (a shard started by hand, later than
 * another): its timeline rows and intervals move that far, so the merged seconds are the same seconds.
 */
export function delayMeasured<T extends MeasuredProfile>(part: T, seconds: number): T {
  if (seconds <= 0) return part;
  const intervals = part.intervals && delayIntervals(part.intervals, Math.round((seconds * 1000) / part.intervals.widthMs));
  return {
    ...part,
    durationMs: part.durationMs + seconds * 1000,
    timeline: part.timeline.map((r) => ({ ...r, t: r.t + seconds })),
    ...optional('intervals', intervals),
  };
}

/**
 * Runs of one profile one after another (--repeat): counts and histograms add as for shards, but times
 * add up and rates are the mean of the runs; timelines and intervals follow each other.
 */
export function concatMeasured(parts: MeasuredProfile[]): MeasuredProfile {
  const sum = addMeasured(parts);
  const meanOrNull = (values: (number | null)[]) => {
    const total = sumOrNull(values);
    return total === null ? null : Math.round((total / values.length) * 10) / 10;
  };
  const timeline: TimelineRow[] = [];
  let offsetS = 0;
  for (const p of parts) {
    for (const r of p.timeline) timeline.push({ ...r, t: r.t + offsetS });
    offsetS += Math.ceil(p.durationMs / 1000);
  }
  const { intervals: _summed, ...rest } = sum;
  return {
    ...rest,
    loadWindowMs: parts.reduce((t, p) => t + p.loadWindowMs, 0),
    durationMs: parts.reduce((t, p) => t + p.durationMs, 0),
    rate: { offered: meanOrNull(parts.map((p) => p.rate.offered)), achieved: meanOrNull(parts.map((p) => p.rate.achieved)) },
    tokens: { ...(sum.tokens as TokenCounts), perSecond: meanOrNull(parts.map((p) => p.tokens?.perSecond ?? null)) },
    ...newerFields(parts, 'in turn'),
    timeline,
    ...optional('intervals', concatIntervals(parts.map((p) => p.intervals))),
  };
}

/**
 * The fields older reports may lack, of parts measured side by side (shards: their work overlaps, rates
 * add) or one after another (repeats: the work adds up, rates are over the whole). Absent when a part lacks them.
 */
function newerFields(parts: MeasuredProfile[], how: 'parallel' | 'in turn'): Pick<MeasuredProfile, 'work' | 'closeReasons' | 'reuse' | 'lostRaces'> {
  const out: Pick<MeasuredProfile, 'work' | 'closeReasons' | 'reuse' | 'lostRaces'> = {};
  const works = parts.map((p) => p.work);
  if (works.every((w): w is WorkRates => w !== undefined)) {
    const ms = how === 'parallel' ? Math.max(...works.map((w) => w.ms)) : works.reduce((t, w) => t + w.ms, 0);
    const rate = (pick: (w: WorkRates) => number | null) => {
      const rates = works.map(pick);
      if (how === 'parallel') return sumOrNull(rates);
      // In turn: what was done (rate × time) over the whole time.
      const done = sumOrNull(rates.map((r, i) => (r === null ? null : (r * (works[i] as WorkRates).ms) / 1000)));
      return done === null || ms <= 0 ? null : Math.round((done * 1000 * 10) / ms) / 10;
    };
    out.work = { ms, okPerSecond: rate((w) => w.okPerSecond), tokensPerSecond: rate((w) => w.tokensPerSecond) };
  }
  const reasons = parts.map((p) => p.closeReasons);
  if (reasons.every((r): r is Record<string, number> => r !== undefined)) out.closeReasons = reasons.reduce(addCounts, {});
  const reuses = parts.map((p) => p.reuse);
  if (reuses.every((r): r is ReuseIdle => r !== undefined)) {
    const pick = (xs: (number | null)[], f: (...v: number[]) => number) => (xs.some((x) => x !== null) ? f(...xs.filter((x): x is number => x !== null)) : null);
    out.reuse = { answeredMaxMs: pick(reuses.map((r) => r.answeredMaxMs), Math.max), closedMinMs: pick(reuses.map((r) => r.closedMinMs), Math.min), resets: reuses.reduce((t, r) => t + r.resets, 0) };
  }
  if (parts.every((p) => p.lostRaces !== undefined)) out.lostRaces = parts.reduce((t, p) => t + (p.lostRaces ?? 0), 0);
  return out;
}

const optional = <K extends string, V>(key: K, v: V | undefined) => (v === undefined ? {} : ({ [key]: v } as Record<K, V>));
