/**
 * The data the HTML report's charts draw, from the report alone: percentile spectra (latency, and a
 * stream's time to first token and gaps between tokens), per-second rows (latency, ok and failed
 * throughput, failed attempts by code, connections), per-interval stream timings, and each profile's
 * marks: the end of its load, its drain, its phases and fault windows.
 */
import { decodeHistogram, histogramOf, percentileUs, type HistogramName, type IntervalSeries } from '../../metrics/index.js';
import type { ProfileReport, Report } from '../contract/report.js';

/** x = -log10(1 - p): 0 → p0, 1 → p90, 2 → p99, 3 → p99.9, 4 → p99.99. */
const SPECTRUM_X = Array.from({ length: 81 }, (_, i) => i * 0.05);

function spectrum(p: ProfileReport, name: HistogramName): (number | null)[] {
  const h = histogramOf(p, name);
  if (h.totalCount === 0) return SPECTRUM_X.map(() => null);
  // Beyond the resolution of the sample count, a percentile is just the max: stop the line there.
  const maxX = Math.log10(h.totalCount);
  return SPECTRUM_X.map((x) => (x <= maxX + 0.01 ? percentileUs(h, 100 * (1 - 10 ** -x)) / 1000 : null));
}

type Series = (number | null)[];

/** A profile's marks on the time axis, in seconds of its measured run. */
export interface Marks {
  /** The load model started its last request here; the drain follows, to `endT`. */
  loadEndT: number;
  endT: number;
  /** Windows with an end: a listener down, a phase that changed the mock's faults (to the next such phase). */
  windows: { t: number; endT: number; name: string }[];
  /** Phases that only mark a moment (a rate change). */
  phases: { t: number; name: string }[];
}

export interface ChartData {
  profiles: string[];
  spectrum: { x: number[]; series: Series[] };
  timeline: { t: number[]; ok: Series[]; failed: Series[]; p50: Series[]; p99: Series[]; opened: Series[]; reused: Series[] };
  errors: { t: number[]; series: { label: string; values: Series }[] };
  marks: Marks[];
  /** The time axis ends where the last profile's run did (its drain included), not at its last whole second. */
  xMax: number;
  /** Streams only (null when no profile streamed): spectra and per-interval p50/p99 of TTFT and ITL. */
  streams: {
    ttft: Series[];
    itl: Series[];
    t: number[];
    ttftP50: Series[];
    ttftP99: Series[];
    itlP50: Series[];
    itlP99: Series[];
  } | null;
}

function marksOf(p: ProfileReport): Marks {
  const endT = p.durationMs / 1000;
  const faultPhases = p.phases.filter((ph) => ph.faults && ph.endT === undefined);
  const windows = [
    ...p.phases.filter((ph) => ph.endT !== undefined).map((ph) => ({ t: ph.t, endT: ph.endT as number, name: ph.name })),
    ...faultPhases.map((ph, i) => ({ t: ph.t, endT: faultPhases[i + 1]?.t ?? endT, name: ph.name })),
  ];
  return { loadEndT: (p.loadWindowMs ?? p.durationMs) / 1000, endT, windows, phases: p.phases.filter((ph) => !ph.faults && ph.endT === undefined) };
}

/** Per interval p50 and p99 of a stream timing, on the intervals' time axis (seconds). */
function intervalPercentiles(s: IntervalSeries | undefined, name: 'ttft' | 'itl', ts: number[]): { p50: Series; p99: Series } {
  const byT = new Map<number, [number, number]>();
  const encoded = s?.histograms[name] ?? [];
  encoded.forEach((e, i) => {
    const h = decodeHistogram(e);
    if (h.totalCount > 0) byT.set(((s as IntervalSeries).widthMs * (i + MID)) / 1000, [percentileUs(h, 50) / 1000, percentileUs(h, 99) / 1000]);
  });
  return { p50: ts.map((t) => byT.get(t)?.[0] ?? null), p99: ts.map((t) => byT.get(t)?.[1] ?? null) };
}

function streamCharts(report: Report): ChartData['streams'] {
  const streamed = report.profiles.some((p) => (p.ttftMs?.count ?? 0) > 0);
  if (!streamed) return null;
  const ts = [...new Set(report.profiles.flatMap((p) => (p.intervals?.histograms.ttft ?? []).map((_, i) => ((p.intervals as IntervalSeries).widthMs * (i + MID)) / 1000)))].sort((a, b) => a - b);
  const ttft = report.profiles.map((p) => intervalPercentiles(p.intervals, 'ttft', ts));
  const itl = report.profiles.map((p) => intervalPercentiles(p.intervals, 'itl', ts));
  return {
    ttft: report.profiles.map((p) => spectrum(p, 'ttft')),
    itl: report.profiles.map((p) => spectrum(p, 'itl')),
    t: ts,
    ttftP50: ttft.map((x) => x.p50),
    ttftP99: ttft.map((x) => x.p99),
    itlP50: itl.map((x) => x.p50),
    itlP99: itl.map((x) => x.p99),
  };
}

/** A row counts its second [t, t + 1): drawn at the second's middle, so it lines up with the marks. */
const MID = 0.5;

export function chartData(report: Report): ChartData {
  const seconds = [...new Set(report.profiles.flatMap((p) => p.timeline.map((r) => r.t)))].sort((a, b) => a - b);
  const ts = seconds.map((t) => t + MID);
  const along = (p: ProfileReport, pick: (r: ProfileReport['timeline'][number]) => number | null) => {
    const byT = new Map(p.timeline.map((r) => [r.t, pick(r)]));
    return seconds.map((t) => (byT.has(t) ? (byT.get(t) as number | null) : null));
  };
  // A race's loser is cancelled by the client, not failed: older reports count it per second, it is not drawn.
  const codes = [...new Set(report.profiles.flatMap((p) => p.timeline.flatMap((r) => Object.keys(r.errorsByCode ?? {}))))].filter((c) => c !== 'cancelled').sort();
  return {
    profiles: report.profiles.map((p) => p.name),
    spectrum: { x: SPECTRUM_X, series: report.profiles.map((p) => spectrum(p, 'latency')) },
    timeline: {
      t: ts,
      // Failed requests are completions too, but not throughput: an outage shows as the dip it is.
      ok: report.profiles.map((p) => along(p, (r) => r.rps - r.errors)),
      failed: report.profiles.map((p) => along(p, (r) => r.errors)),
      p50: report.profiles.map((p) => along(p, (r) => r.p50Ms)),
      p99: report.profiles.map((p) => along(p, (r) => r.p99Ms)),
      opened: report.profiles.map((p) => along(p, (r) => r.connectionsOpened ?? null)),
      reused: report.profiles.map((p) => along(p, (r) => r.connectionsReused ?? null)),
    },
    errors: {
      t: ts,
      series: report.profiles.flatMap((p) => codes.map((code) => ({ label: `${p.name}: ${code}`, values: along(p, (r) => r.errorsByCode?.[code] ?? 0) }))),
    },
    marks: report.profiles.map(marksOf),
    xMax: Math.max(0, ...report.profiles.map((p) => p.durationMs / 1000)),
    streams: streamCharts(report),
  };
}

export { SPECTRUM_X };
