/**
 * Merge the reports of a sharded run into one: counters add up, HDR histograms are added (so
 * percentiles of the whole are exact, not averaged), summaries are recomputed from them. What cannot be
 * merged honestly, the per-second p50/p99 of the timeline, becomes null rather than made up.
 */
import { InvalidInputError } from '../engine/index.js';
import { createHistogram, decodeHistogram, encodeHistogram, summarize } from '../metrics/index.js';
import type { ProfileReport, Report } from '../runner/index.js';
import { withFindings } from './diagnose.js';

type Counts = Record<string, number>;

function addCounts<T extends object>(a: T, b: T): T {
  const out: Counts = { ...(a as Counts) };
  for (const [k, v] of Object.entries(b as Counts)) if (typeof v === 'number') out[k] = (out[k] ?? 0) + v;
  return out as T;
}

/** Add numbers at every depth (the mock's stats); anything else is taken from `a`. */
function addDeep(a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a)) {
    const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
    for (const [k, v] of Object.entries(b as Record<string, unknown>)) out[k] = k in out ? addDeep(out[k], v) : v;
    return out;
  }
  return a;
}

function addHistograms(encoded: string[]): string {
  const sum = createHistogram();
  for (const e of encoded) sum.add(decodeHistogram(e));
  return encodeHistogram(sum);
}

function mergeProfiles(parts: ProfileReport[]): ProfileReport {
  const [first] = parts as [ProfileReport, ...ProfileReport[]];
  const histograms = {
    latency: addHistograms(parts.map((p) => p.histograms.latency)),
    queueWait: addHistograms(parts.map((p) => p.histograms.queueWait)),
    connect: addHistograms(parts.map((p) => p.histograms.connect)),
    ttfb: addHistograms(parts.map((p) => p.histograms.ttfb)),
  };
  const summary = (e: string) => summarize(decodeHistogram(e));
  const rows = new Map<number, ProfileReport['timeline'][number]>();
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
              errorsByCode: addCounts(at.errorsByCode ?? {}, r.errorsByCode ?? {}),
              inFlight: at.inFlight + r.inFlight,
              connectionsOpened: (at.connectionsOpened ?? 0) + (r.connectionsOpened ?? 0),
              connectionsReused: (at.connectionsReused ?? 0) + (r.connectionsReused ?? 0),
            }
          : { ...r, p50Ms: parts.length > 1 ? null : r.p50Ms, p99Ms: parts.length > 1 ? null : r.p99Ms },
      );
    }
  }
  const loops = parts.map((p) => p.eventLoop).filter((l): l is NonNullable<ProfileReport['eventLoop']> => l !== null);
  const warmups = parts.map((p) => p.warmup).filter((w): w is NonNullable<ProfileReport['warmup']> => w !== null);
  return {
    ...first,
    durationMs: Math.max(...parts.map((p) => p.durationMs)),
    requests: parts.map((p) => p.requests).reduce(addCounts),
    attempts: parts.map((p) => p.attempts).reduce(addCounts),
    statuses: parts.map((p) => p.statuses).reduce(addCounts),
    errors: parts.map((p) => p.errors).reduce(addCounts),
    requestErrors: parts.map((p) => p.requestErrors).reduce(addCounts),
    connections: parts.map((p) => p.connections).reduce(addCounts),
    budgets: {
      hedge: parts.map((p) => p.budgets.hedge).reduce(addCounts),
      retry: parts.map((p) => p.budgets.retry).reduce(addCounts),
    },
    histograms,
    latencyMs: summary(histograms.latency),
    queueWaitMs: summary(histograms.queueWait),
    connectMs: summary(histograms.connect),
    ttfbMs: summary(histograms.ttfb),
    timeline: [...rows.values()].sort((a, b) => a.t - b.t),
    warmup: warmups.length ? { requests: warmups.reduce((a, w) => a + w.requests, 0), ok: warmups.reduce((a, w) => a + w.ok, 0), failed: warmups.reduce((a, w) => a + w.failed, 0), latencyMs: null } : null,
    eventLoop: loops.length ? { meanMs: Math.max(...loops.map((l) => l.meanMs)), p99Ms: Math.max(...loops.map((l) => l.p99Ms)), maxMs: Math.max(...loops.map((l) => l.maxMs)) } : null,
    server: parts.every((p) => p.server !== null) ? (parts.map((p) => p.server).reduce((a, b) => addDeep(a, b) as typeof a) ?? null) : null,
    findings: [],
  };
}

export function mergeReports(reports: Report[]): Report {
  const problems: string[] = [];
  const [first] = reports;
  if (!first) throw new InvalidInputError('merge', ['give at least one report']);
  for (const [i, r] of reports.entries()) {
    if (r.scenario.hash !== first.scenario.hash) problems.push(`report ${i + 1} is of another scenario (${r.scenario.name}, hash ${r.scenario.hash}; the first is ${first.scenario.name}, ${first.scenario.hash})`);
  }
  const shards = reports.map((r) => r.shard).filter((s): s is NonNullable<Report['shard']> => s !== null && s !== undefined);
  const seen = new Set(shards.map((s) => s.index));
  if (seen.size !== shards.length) problems.push('the same shard is given twice');
  if (problems.length) throw new InvalidInputError('merge', problems);
  const names = [...new Set(reports.flatMap((r) => r.profiles.map((p) => p.name)))];
  const merged: Report = {
    ...first,
    startedAt: reports.map((r) => r.startedAt).sort()[0] as string,
    endedAt: reports.map((r) => r.endedAt).sort().at(-1) as string,
    partial: reports.some((r) => r.partial) || (shards.length > 0 && shards.length < (shards[0]?.count ?? 0)),
    shard: null,
    mergedFrom: reports.length,
    profiles: names.map((n) => mergeProfiles(reports.flatMap((r) => r.profiles.filter((p) => p.name === n)))),
  };
  return withFindings(merged);
}
