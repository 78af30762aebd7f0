/**
 * Report JSON as read from disk is anyone's: a truncated file, an edited one, a crafted one. Everything
 * the renderers, the gate and merge rely on is checked on read, and every problem named by its path, so
 * a bad report is exit 2 with a reason, never a TypeError, "NaN%" or a silent "inconclusive".
 */
import { decodeHistogram, GENERATOR_HISTOGRAMS, HISTOGRAM_NAMES, METRIC_DEFINITIONS, NEWER_HISTOGRAMS } from '../metrics/index.js';
import { FINDING_METRICS } from './finding-metrics.js';

type Problems = string[];
const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isCount = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;

function counts(v: unknown, path: string, keys: string[] | null, out: Problems): void {
  if (!isObj(v)) return void out.push(`${path} must be an object of counts`);
  for (const k of keys ?? Object.keys(v)) if (!isCount(v[k])) out.push(`${path}.${k} must be a non-negative number, got ${JSON.stringify(v[k]) ?? 'nothing'}`);
}

function str(v: unknown, path: string, out: Problems): void {
  if (typeof v !== 'string') out.push(`${path} must be a string, got ${JSON.stringify(v) ?? 'nothing'}`);
}

function summary(v: unknown, path: string, out: Problems): void {
  if (v === null) return;
  counts(v, path, ['count', 'min', 'mean', 'p50', 'p90', 'p99', 'p999', 'max'], out);
}

function profile(p: unknown, path: string, out: Problems): void {
  if (!isObj(p)) return void out.push(`${path} must be an object`);
  str(p.name, `${path}.name`, out);
  counts(p.requests, `${path}.requests`, ['total', 'ok', 'failed', 'late'], out);
  counts(p.attempts, `${path}.attempts`, ['total', 'primary', 'hedge', 'retry'], out);
  counts(p.statuses, `${path}.statuses`, null, out);
  counts(p.errors, `${path}.errors`, null, out);
  counts(p.connections, `${path}.connections`, ['opened', 'reused'], out);
  if (!isCount(p.durationMs)) out.push(`${path}.durationMs must be a non-negative number`);
  for (const s of ['latencyMs', 'queueWaitMs', 'connectMs', 'ttfbMs'] as const) summary(p[s], `${path}.${s}`, out);
  if (p.streamMetrics !== undefined && p.streamMetrics !== null) streamMetrics(p.streamMetrics, `${path}.streamMetrics`, out);
  if (!Array.isArray(p.timeline)) out.push(`${path}.timeline must be a list`);
  if (!Array.isArray(p.findings)) out.push(`${path}.findings must be a list`);
  if (!isObj(p.config)) out.push(`${path}.config must be an object`);
  // Newer fields, absent from older reports: checked when present.
  if (p.work !== undefined) {
    if (!isObj(p.work) || !isCount(p.work.ms)) out.push(`${path}.work must be {ms, okPerSecond, tokensPerSecond}`);
    else for (const k of ['okPerSecond', 'tokensPerSecond']) if (p.work[k] !== null && !isCount(p.work[k])) out.push(`${path}.work.${k} must be a non-negative number or null`);
  }
  if (p.lostRaces !== undefined && !isCount(p.lostRaces)) out.push(`${path}.lostRaces must be a non-negative number`);
  if (p.closeReasons !== undefined) counts(p.closeReasons, `${path}.closeReasons`, null, out);
  if (p.wire !== undefined) wire(p.wire, `${path}.wire`, out);
  if (!isObj(p.histograms)) return void out.push(`${path}.histograms must be an object of encoded histograms`);
  const histograms = p.histograms;
  for (const name of [...HISTOGRAM_NAMES, ...GENERATOR_HISTOGRAMS]) {
    const h = histograms[name];
    if (h === undefined && (NEWER_HISTOGRAMS.has(name as never) || (GENERATOR_HISTOGRAMS as readonly string[]).includes(name))) continue; // older reports
    if (typeof h !== 'string') {
      out.push(`${path}.histograms.${name} must be an encoded histogram`);
      continue;
    }
    try {
      decodeHistogram(h);
    } catch {
      out.push(`${path}.histograms.${name} is not a valid encoded HDR histogram`);
    }
  }
}

/** A proxy's `wire` section: the counts the wire findings read. */
function wire(w: unknown, path: string, out: Problems): void {
  if (!isObj(w)) return void out.push(`${path} must be an object`);
  counts(w.connections, `${path}.connections`, ['opened', 'maxOpen', 'servedOne', 'openedWhileIdle', 'openedAfterOwnClose'], out);
  counts(w.reuse, `${path}.reuse`, ['reused', 'afterUpstreamIdle', 'stale', 'backToBack'], out);
  counts(w.repeats, `${path}.repeats`, ['retries', 'sdkRetries', 'outerRetries', 'hedges', 'hedgesWon', 'losersCancelled', 'maxChain'], out);
  counts(w.retryAfter, `${path}.retryAfter`, ['given', 'honoured', 'ignored'], out);
  if (!isObj(w.upstream)) out.push(`${path}.upstream must be an object`);
  if (w.plateau !== null && w.plateau !== undefined) counts(w.plateau, `${path}.plateau`, ['connections', 'ms', 'requests', 'backToBack'], out);
  if (!isObj(w.idleCloses)) out.push(`${path}.idleCloses must be an object`);
  if (!Array.isArray(w.stories)) out.push(`${path}.stories must be a list`);
}

/** Every problem with `r` as a Report, by path; empty when it can be rendered, gated and merged. */
export function reportProblems(r: unknown): Problems {
  const out: Problems = [];
  if (!isObj(r)) return ['the report must be a JSON object'];
  if (r.schemaVersion !== 1) out.push(`schemaVersion must be 1, got ${JSON.stringify(r.schemaVersion) ?? 'nothing'}`);
  if (!isObj(r.scenario)) out.push('scenario must be an object');
  else {
    str(r.scenario.name, 'scenario.name', out);
    str(r.scenario.hash, 'scenario.hash', out);
  }
  str(r.startedAt, 'startedAt', out);
  str(r.endedAt, 'endedAt', out);
  if (typeof r.partial !== 'boolean') out.push('partial must be true or false');
  if (!isObj(r.target)) out.push('target must be an object');
  else str(r.target.url, 'target.url', out);
  if (!isObj(r.load)) out.push('load must be an object');
  else str(r.load.model, 'load.model', out);
  if (!isObj(r.workload)) out.push('workload must be an object');
  else for (const k of ['kind', 'path', 'method']) str(r.workload[k], `workload.${k}`, out);
  if (r.gate !== undefined && (!isObj(r.gate) || !Array.isArray(r.gate.thresholds) || !Array.isArray(r.gate.maxRegression))) out.push('gate must be {thresholds: [...], maxRegression: [...]}');
  if (r.metricDefinitions !== undefined && !(METRIC_DEFINITIONS as readonly unknown[]).includes(r.metricDefinitions)) out.push(`metricDefinitions must be one of ${METRIC_DEFINITIONS.join(', ')}`);
  if (r.shard !== undefined && r.shard !== null && (!isObj(r.shard) || !Number.isInteger(r.shard.index) || !Number.isInteger(r.shard.count))) out.push('shard must be {index, count} or null');
  if (r.distribution !== undefined && r.distribution !== null) distribution(r.distribution, out);
  if (!Array.isArray(r.profiles)) out.push('profiles must be a list');
  else r.profiles.forEach((p, i) => profile(p, `profiles[${i}]`, out));
  if (r.verification !== undefined) verification(r.verification, out);
  return out;
}

const numOrNull = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v));

/** `run --verify-fixes`: what the renderings read of it. */
function verification(v: unknown, out: Problems): void {
  if (!Array.isArray(v)) return void out.push('verification must be a list');
  v.forEach((x, i) => {
    const path = `verification[${i}]`;
    if (!isObj(x)) return void out.push(`${path} must be an object`);
    str(x.profile, `${path}.profile`, out);
    if (typeof x.verified !== 'boolean') out.push(`${path}.verified must be true or false`);
    if (!isObj(x.settings)) out.push(`${path}.settings must be an object`);
    for (const k of ['conflicts', 'findings', 'newFindings', 'headline']) if (!Array.isArray(x[k])) out.push(`${path}.${k} must be a list`);
    if (!Array.isArray(x.findings) || !Array.isArray(x.headline) || !Array.isArray(x.newFindings) || !Array.isArray(x.conflicts)) return;
    if (!x.conflicts.every((c: unknown) => typeof c === 'string')) out.push(`${path}.conflicts must be a list of strings`);
    x.newFindings.forEach((f: unknown, j) => {
      if (!isObj(f) || typeof f.id !== 'string' || typeof f.severity !== 'string' || typeof f.symptom !== 'string') out.push(`${path}.newFindings[${j}] must be {id, severity, symptom}`);
    });
    x.findings.forEach((f: unknown, j) => {
      if (!isObj(f) || typeof f.metric !== 'string' || !Object.hasOwn(FINDING_METRICS, f.metric) || !numOrNull(f.before) || !numOrNull(f.after)) out.push(`${path}.findings[${j}] must be {id, metric (a known measure), before, after, resolved, improved}`);
    });
    x.headline.forEach((h: unknown, j) => {
      if (!isObj(h) || typeof h.metric !== 'string' || !numOrNull(h.before) || !numOrNull(h.after)) out.push(`${path}.headline[${j}] must be {metric, before, after, worse}`);
    });
  });
}

/** Each definition's TTFT, ITL, TPOT summaries (docs/metrics.md). */
function streamMetrics(v: unknown, path: string, out: Problems): void {
  if (!isObj(v)) return void out.push(`${path} must be an object of definitions, or null`);
  for (const d of METRIC_DEFINITIONS) {
    const m = v[d];
    if (!isObj(m)) {
      out.push(`${path}.${d} must be an object of summaries`);
      continue;
    }
    for (const t of ['ttftMs', 'itlMs', 'tpotMs']) summary(m[t], `${path}.${d}.${t}`, out);
  }
}

function distribution(d: unknown, out: string[]): void {
  if (!isObj(d)) return void out.push('distribution must be an object or null');
  if (!Number.isInteger(d.shards) || (d.shards as number) < 1) out.push('distribution.shards must be a whole number of at least 1');
  if (d.mode !== 'workers' && d.mode !== 'coordinated') out.push('distribution.mode must be workers or coordinated');
  for (const k of ['startSkewMs', 'clockRttMs']) {
    const v = d[k];
    if (!isObj(v) || !Object.values(v).every((x) => x === null || Number.isFinite(x))) out.push(`distribution.${k} must map shard indexes to milliseconds or null`);
  }
  const missing = d.missing;
  if (!Array.isArray(missing) || !missing.every((m) => isObj(m) && Number.isInteger(m.index) && (m.status === 'failed' || m.status === 'missing') && (m.detail === null || typeof m.detail === 'string'))) {
    out.push('distribution.missing must be a list of {index, status: failed|missing, detail}');
  }
}
