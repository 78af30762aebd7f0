/**
 * Merge the reports of a sharded run into one: the measured data adds up (metrics' addMeasured: counts,
 * rates, exact histograms), the mock's counts add with its peak gauges taken as the highest, and the
 * findings are computed afresh from the whole.
 */
import { InvalidInputError } from '../engine/index.js';
import { addMeasured, delayMeasured } from '../metrics/index.js';
import { addAround, metricDefinitionsOf, type Distribution, type MockStats, type ProfileReport, type Report } from '../runner/index.js';
import { withFindings } from './diagnose.js';

/**
 * Shards' seconds on one clock: each part's timeline moves by how much later than the earliest part it
 * began, to the nearest second (a coordinated run's shards begin together: nothing moves).
 */
function alignedOnCommonStart(parts: ProfileReport[]): ProfileReport[] {
  const starts = parts.map((p) => (p.startedAt ? Date.parse(p.startedAt) : NaN));
  if (starts.some((t) => !Number.isFinite(t))) return parts;
  const earliest = Math.min(...starts);
  return parts.map((p, i) => delayMeasured(p, Math.round(((starts[i] as number) - earliest) / 1000)));
}

function mergeProfiles(given: ProfileReport[]): ProfileReport {
  const parts = alignedOnCommonStart(given);
  const [first] = parts as [ProfileReport, ...ProfileReport[]];
  const warmups = parts.map((p) => p.warmup).filter((w): w is NonNullable<ProfileReport['warmup']> => w !== null);
  return {
    ...first,
    ...addMeasured(parts),
    warmup: warmups.length ? { requests: warmups.reduce((a, w) => a + w.requests, 0), ok: warmups.reduce((a, w) => a + w.ok, 0), failed: warmups.reduce((a, w) => a + w.failed, 0), latencyMs: null } : null,
    ...addAround(parts),
    ...(first.startedAt ? { startedAt: parts.map((p) => p.startedAt as string).sort()[0] as string } : {}),
    findings: [],
  };
}

/** What a coordinated run adds to the merge: how it was distributed, and (workers) the shared mock's own counts. */
export interface MergeContext {
  distribution?: Distribution;
  target?: Report['target'];
  /** Per profile: one server measured all shards, so its counts replace the shards' (which are null). */
  servers?: Record<string, MockStats> | null;
}

export function mergeReports(reports: Report[], context: MergeContext = {}): Report {
  const problems: string[] = [];
  const [first] = reports;
  if (!first) throw new InvalidInputError('merge', ['give at least one report']);
  for (const [i, r] of reports.entries()) {
    if (r.scenario.hash !== first.scenario.hash) problems.push(`report ${i + 1} is of another scenario (${r.scenario.name}, hash ${r.scenario.hash}; the first is ${first.scenario.name}, ${first.scenario.hash})`);
  }
  const shards = reports.map((r) => r.shard).filter((s): s is NonNullable<Report['shard']> => s !== null && s !== undefined);
  const seen = new Set(shards.map((s) => s.index));
  if (seen.size !== shards.length) problems.push('the same shard is given twice');
  const counts = new Set(shards.map((s) => s.count));
  if (counts.size > 1) problems.push(`the shards are of different runs: ${shards.map((s) => `${s.index}/${s.count}`).join(', ')} (every shard of one run has the same N)`);
  if (shards.length > 0 && shards.length < reports.length) problems.push('some reports are shards and some are not: merge the shards of one run');
  const definitions = new Set(reports.map(metricDefinitionsOf));
  if (definitions.size > 1) problems.push(`the reports time streams by different definitions (${[...definitions].join(', ')}): their TTFT, ITL and TPOT do not add up (docs/metrics.md)`);
  // The same report given twice would double every count.
  const fingerprints = reports.map((r) => JSON.stringify([r.startedAt, r.endedAt, r.shard ?? null, r.profiles.map((p) => [p.name, p.requests.total, p.attempts.total])]));
  if (new Set(fingerprints).size !== fingerprints.length) problems.push('the same report is given twice (it would double every count)');
  if (problems.length) throw new InvalidInputError('merge', problems);
  const names = [...new Set(reports.flatMap((r) => r.profiles.map((p) => p.name)))];
  // One run's shards share its id; reports of different runs merged by hand are of none.
  const { runId, ...head } = first;
  const merged: Report = {
    ...head,
    ...(runId !== undefined && reports.every((r) => r.runId === runId) ? { runId } : {}),
    startedAt: reports.map((r) => r.startedAt).sort()[0] as string,
    endedAt: reports.map((r) => r.endedAt).sort().at(-1) as string,
    partial: reports.some((r) => r.partial) || (shards.length > 0 && shards.length < (shards[0]?.count ?? 0)) || (context.distribution?.missing.length ?? 0) > 0,
    shard: null,
    mergedFrom: reports.length,
    ...(context.target ? { target: context.target } : {}),
    distribution: context.distribution ?? null,
    profiles: names.map((n) => {
      const merged = mergeProfiles(reports.flatMap((r) => r.profiles.filter((p) => p.name === n)));
      return context.servers ? { ...merged, server: context.servers[n] ?? null } : merged;
    }),
  };
  return withFindings(merged);
}
