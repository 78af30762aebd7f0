/**
 * Merge the reports of a sharded run into one: the measured data adds up (metrics' addMeasured: counts,
 * rates, exact histograms), the mock's counts add with its peak gauges taken as the highest, and the
 * findings are computed afresh from the whole.
 */
import { InvalidInputError } from '../engine/index.js';
import { addMeasured, delayMeasured } from '../metrics/index.js';
import { addAround, type AddServers } from './contract/around.js';
import type { MockStats } from '../../mock-server/index.js';
import { metricDefinitionsOf, type Distribution, type ProfileReport, type Report } from './contract/report.js';
import { withFindings } from './diagnose.js';
import { safeText } from './render/format.js';

/**
 * Shards' seconds on one clock: each part's timeline moves by how much later than the earliest part it
 * began, to the nearest second (a coordinated run's shards all carry their barrier's time: nothing moves).
 * Parts further apart than they ran together (or a minute, for shards started by hand one after another)
 * are not one run, or a machine's clock is off: refused, so no merge pads a gap its measurements do not
 * bound (a clock years off would ask for years of empty seconds).
 */
function alignedOnCommonStart(parts: ProfileReport[]): ProfileReport[] {
  const starts = parts.map((p) => (p.startedAt ? Date.parse(p.startedAt) : NaN));
  if (starts.some((t) => !Number.isFinite(t))) return parts;
  const earliest = Math.min(...starts);
  const allowedMs = Math.max(MIN_ALLOWED_GAP_MS, parts.reduce((t, p) => t + p.durationMs, 0));
  const late = parts.map((p, i) => ({ p, apartMs: (starts[i] as number) - earliest })).filter((x) => x.apartMs > allowedMs);
  if (late.length) {
    throw new InvalidInputError('merge', late.map(({ p, apartMs }) => `profile ${JSON.stringify(safeText(p.name))} of a part began ${fmtSpan(apartMs)} after the earliest, longer than the parts ran together (${fmtSpan(allowedMs)}): these are not shards of one run, or a machine's clock is wrong`));
  }
  return parts.map((p, i) => delayMeasured(p, Math.round(((starts[i] as number) - earliest) / 1000)));
}

/** Shards started by hand one after another may be this far apart however short they ran. */
const MIN_ALLOWED_GAP_MS = 60_000;
const fmtSpan = (ms: number) => (ms >= 86_400_000 ? `${(ms / 86_400_000).toFixed(1)} days` : `${(ms / 1000).toFixed(1)} s`);

function mergeProfiles(given: ProfileReport[], addServers: AddServers | undefined): ProfileReport {
  const parts = alignedOnCommonStart(given);
  const [first] = parts as [ProfileReport, ...ProfileReport[]];
  const warmups = parts.map((p) => p.warmup).filter((w): w is NonNullable<ProfileReport['warmup']> => w !== null);
  return {
    ...first,
    ...addMeasured(parts),
    warmup: warmups.length ? { requests: warmups.reduce((a, w) => a + w.requests, 0), ok: warmups.reduce((a, w) => a + w.ok, 0), failed: warmups.reduce((a, w) => a + w.failed, 0), latencyMs: null } : null,
    ...addAround(parts, addServers),
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
  /** How the shards' own server counts add (mock-server's addMockStats); without it they are not merged. */
  addServers?: AddServers;
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
      const merged = mergeProfiles(reports.flatMap((r) => r.profiles.filter((p) => p.name === n)), context.addServers);
      return context.servers ? { ...merged, server: context.servers[n] ?? null } : merged;
    }),
  };
  return withFindings(merged);
}
