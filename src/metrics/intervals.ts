/**
 * The run cut into consecutive intervals, each with its own histograms and counts. Samples within a run
 * are correlated (a queue, a GC pause, a busy event loop), so a run's noise can only be estimated from
 * its own structure: the gate's batch means (src/report/noise.ts) and windowed thresholds read these.
 * Intervals are 1 s; when a run outgrows MAX_INTERVALS, neighbours merge and the width doubles, so a
 * report stays bounded however long the run.
 */
import { Type } from '../util/schema.js';
import { createHistogram, decodeHistogram, encodeHistogram, type Histogram } from './histogram.js';
import { ENCODED_HISTOGRAM } from './histogram-check.js';
import { INTERVAL_COUNTS, TIMING_HISTOGRAMS, type IntervalCountName } from './metric-registry.js';
import { COUNT, SPAN_MS } from './schema-parts.js';

export { INTERVAL_COUNTS, type IntervalCountName };

export const INTERVAL_MS = 1000;
/** The most intervals one run keeps: beyond it, neighbours merge and the width doubles. */
export const MAX_INTERVALS = 120;
/** The most runs one report combines one after another (`run --repeat N`): their intervals follow each other. */
export const MAX_REPEAT = 100;
/**
 * The most intervals a report's series holds: a run's MAX_INTERVALS for each of MAX_REPEAT runs, doubled
 * for shards merged from starts up to their runs' length apart (merge refuses them further apart).
 */
export const MAX_SERIES_INTERVALS = MAX_INTERVALS * MAX_REPEAT * 2;

/**
 * The timings kept per interval: those the gate speaks of (the registry's), and latencySent and latencyNet
 * (latency less the generator's own delay, its two bounds: measured.ts), which the gate reads for what the
 * generator may explain.
 */
export const INTERVAL_HISTOGRAMS = [...TIMING_HISTOGRAMS, 'latencySent', 'latencyNet'] as const;
export type IntervalHistogramName = (typeof INTERVAL_HISTOGRAMS)[number];

/**
 * Added after reports with intervals were first written: a series read from an older report lacks them,
 * and a sum or sequence of series keeps them only when every part has them (a part's absence is unknown,
 * not zero).
 */
const LATER: ReadonlySet<string> = new Set(['latencySent', 'latencyNet', 'goodNet']);
const keptBy = (parts: IntervalSeries[], key: 'counts' | 'histograms', n: string) => !LATER.has(n) || parts.every((p) => (p[key] as Record<string, unknown>)[n] !== undefined);

const series = <T extends typeof COUNT | typeof ENCODED_HISTOGRAM>(item: T) => Type.Array(item, { maxItems: MAX_SERIES_INTERVALS });
const members = <N extends string, T extends typeof COUNT | typeof ENCODED_HISTOGRAM>(names: readonly N[], item: T) =>
  Type.Object(Object.fromEntries(names.map((n) => [n, LATER.has(n) ? Type.Optional(series(item)) : series(item)])) as { [K in N]: ReturnType<typeof series<T>> });

/**
 * The run in intervals, as a report carries it (every list one entry per interval; checked to be of one
 * length on read). Older reports have none; series written before latencySent, latencyNet and goodNet
 * existed lack them.
 */
export const INTERVAL_SERIES = Type.Object({
  /** Width of every interval but the last, which ends when the run did (spanMs). */
  widthMs: Type.Integer({ minimum: 1, maximum: INTERVAL_MS * 2 ** 40 }),
  spanMs: SPAN_MS,
  counts: members(INTERVAL_COUNTS, COUNT),
  /** Encoded HDR histograms (µs), one per interval. */
  histograms: members(INTERVAL_HISTOGRAMS, ENCODED_HISTOGRAM),
});

/** The series as code uses it: every list present (one read from an older report may lack the later ones). */
export interface IntervalSeries {
  widthMs: number;
  spanMs: number;
  counts: Record<IntervalCountName, number[]>;
  histograms: Record<IntervalHistogramName, string[]>;
}

/** Width of interval i (the last may be partial). */
export function intervalWidthMs(s: IntervalSeries, i: number): number {
  const n = s.counts.completed.length;
  return i < n - 1 ? s.widthMs : Math.max(1, s.spanMs - s.widthMs * (n - 1));
}

/**
 * Collects one interval at a time. The hot path records each value once, into `current` (the second under
 * way: one histogram per name, as fields, so each call site reads a fixed field); as each second closes,
 * fold() adds them into the interval being kept and into the whole run's histograms given to the
 * constructor: one HDR record per value instead of two, and an add per histogram per second.
 */
export class IntervalRecorder {
  /** The second under way: record into these (recordMs); counts go to `counts`. */
  readonly current = Object.fromEntries(INTERVAL_HISTOGRAMS.map((n) => [n, createHistogram()])) as Record<IntervalHistogramName, Histogram>;
  readonly counts = Object.fromEntries(INTERVAL_COUNTS.map((n) => [n, 0])) as Record<IntervalCountName, number>;
  private readonly live = Object.fromEntries(INTERVAL_HISTOGRAMS.map((n) => [n, createHistogram()])) as Record<IntervalHistogramName, Histogram>;
  private readonly series: IntervalSeries = {
    widthMs: INTERVAL_MS,
    spanMs: 0,
    counts: Object.fromEntries(INTERVAL_COUNTS.map((n) => [n, []])) as unknown as Record<IntervalCountName, number[]>,
    histograms: Object.fromEntries(INTERVAL_HISTOGRAMS.map((n) => [n, []])) as unknown as Record<IntervalHistogramName, string[]>,
  };
  /** Live intervals merged into one stored interval (doubles with the width). */
  private perStored = 1;
  private pending = 0;

  /** `whole`: the whole run's histogram of each name that has one; fold() keeps them up to date. */
  constructor(private readonly whole: Partial<Record<IntervalHistogramName, Histogram>> = {}) {}

  count(name: IntervalCountName): void {
    this.counts[name]++;
  }

  /** Add the second under way into the interval kept and the whole run's histograms (close() does it; a reader of the whole run's histograms may too). */
  fold(): void {
    for (const n of INTERVAL_HISTOGRAMS) {
      const h = this.current[n];
      if (h.totalCount === 0) continue;
      this.live[n].add(h);
      this.whole[n]?.add(h);
      h.reset();
    }
  }

  /** Close the current 1 s interval (or the final partial one); spanMs is the run's length so far. */
  close(spanMs: number): void {
    this.fold();
    this.pending++;
    this.series.spanMs = spanMs;
    if (this.pending < this.perStored) return;
    this.flush();
    if (this.series.counts.completed.length > MAX_INTERVALS) this.halve();
  }

  /** The closed intervals so far (live, not copied: for a watcher that only reads). */
  closed(): Readonly<IntervalSeries> {
    return this.series;
  }

  /** The final series, the live interval included when it holds anything (call once the run stopped). */
  snapshot(spanMs: number): IntervalSeries {
    this.fold();
    if (this.pending > 0 || this.counts.started > 0 || this.counts.completed > 0) this.flush();
    this.series.spanMs = Math.max(this.series.spanMs, spanMs);
    return {
      ...this.series,
      counts: Object.fromEntries(INTERVAL_COUNTS.map((n) => [n, this.series.counts[n].slice()])) as Record<IntervalCountName, number[]>,
      histograms: Object.fromEntries(INTERVAL_HISTOGRAMS.map((n) => [n, this.series.histograms[n].slice()])) as Record<IntervalHistogramName, string[]>,
    };
  }

  private flush(): void {
    for (const n of INTERVAL_COUNTS) {
      this.series.counts[n].push(this.counts[n]);
      this.counts[n] = 0;
    }
    for (const n of INTERVAL_HISTOGRAMS) {
      this.series.histograms[n].push(encodeHistogram(this.live[n]));
      this.live[n].reset();
    }
    this.pending = 0;
  }

  /** Merge neighbours pairwise: half as many intervals, twice as wide. */
  private halve(): void {
    const s = this.series;
    for (const n of INTERVAL_COUNTS) s.counts[n] = pairwise(s.counts[n], (a, b) => a + (b ?? 0));
    for (const n of INTERVAL_HISTOGRAMS) s.histograms[n] = pairwise(s.histograms[n], addEncoded);
    s.widthMs *= 2;
    this.perStored *= 2;
  }
}

function pairwise<T>(xs: T[], add: (a: T, b: T | undefined) => T): T[] {
  const out: T[] = [];
  for (let i = 0; i < xs.length; i += 2) out.push(add(xs[i] as T, xs[i + 1]));
  return out;
}

export function addEncoded(a: string, b?: string): string {
  if (b === undefined) return a;
  const h = decodeHistogram(a);
  h.add(decodeHistogram(b));
  return encodeHistogram(h);
}

/**
 * Shards of one run (same start, same width): intervals add index by index. Parts of different widths
 * (or without intervals) cannot be aligned, and the sum has none.
 */
export function addIntervals(parts: (IntervalSeries | undefined)[]): IntervalSeries | undefined {
  const [first] = parts;
  if (!first || parts.some((p) => p === undefined || p.widthMs !== first.widthMs)) return undefined;
  const all = parts as IntervalSeries[];
  const len = Math.max(...all.map((p) => p.counts.completed.length));
  const at = <T>(xs: T[], i: number) => xs[i];
  return {
    widthMs: first.widthMs,
    spanMs: Math.max(...all.map((p) => p.spanMs)),
    counts: Object.fromEntries(INTERVAL_COUNTS.filter((n) => keptBy(all, 'counts', n)).map((n) => [n, Array.from({ length: len }, (_, i) => all.reduce((s, p) => s + (at(p.counts[n], i) ?? 0), 0))])) as Record<IntervalCountName, number[]>,
    histograms: Object.fromEntries(
      INTERVAL_HISTOGRAMS.filter((n) => keptBy(all, 'histograms', n)).map((n) => [
        n,
        Array.from({ length: len }, (_, i) => {
          const h = createHistogram();
          for (const p of all) {
            const e = at(p.histograms[n], i);
            if (e !== undefined) h.add(decodeHistogram(e));
          }
          return encodeHistogram(h);
        }),
      ]),
    ) as Record<IntervalHistogramName, string[]>,
  };
}

/** The same series begun `count` intervals later: empty intervals in front (a shard that started later). */
export function delayIntervals(s: IntervalSeries, count: number): IntervalSeries {
  if (count <= 0) return s;
  const empty = encodeHistogram(createHistogram());
  return {
    widthMs: s.widthMs,
    spanMs: s.spanMs + count * s.widthMs,
    counts: Object.fromEntries(INTERVAL_COUNTS.filter((n) => keptBy([s], 'counts', n)).map((n) => [n, [...new Array<number>(count).fill(0), ...s.counts[n]]])) as Record<IntervalCountName, number[]>,
    histograms: Object.fromEntries(INTERVAL_HISTOGRAMS.filter((n) => keptBy([s], 'histograms', n)).map((n) => [n, [...new Array<string>(count).fill(empty), ...s.histograms[n]]])) as Record<IntervalHistogramName, string[]>,
  };
}

/** Runs one after another (a --repeat): intervals follow each other; runs of different widths cannot. */
export function concatIntervals(parts: (IntervalSeries | undefined)[]): IntervalSeries | undefined {
  const [first] = parts;
  if (!first || parts.some((p) => p === undefined || p.widthMs !== first.widthMs)) return undefined;
  const all = parts as IntervalSeries[];
  // Every run but the last is padded to whole intervals, so widths stay uniform (the last may be partial).
  const spanMs = all.reduce((t, p, i) => t + (i < all.length - 1 ? p.counts.completed.length * p.widthMs : p.spanMs), 0);
  return {
    widthMs: first.widthMs,
    spanMs,
    counts: Object.fromEntries(INTERVAL_COUNTS.filter((n) => keptBy(all, 'counts', n)).map((n) => [n, all.flatMap((p) => p.counts[n])])) as Record<IntervalCountName, number[]>,
    histograms: Object.fromEntries(INTERVAL_HISTOGRAMS.filter((n) => keptBy(all, 'histograms', n)).map((n) => [n, all.flatMap((p) => p.histograms[n])])) as Record<IntervalHistogramName, string[]>,
  };
}
