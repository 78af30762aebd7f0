/**
 * Report JSON as read from disk is anyone's: a truncated file, an edited one, a crafted one. It is checked
 * against its declaration (contract/report-schema.ts) and then by what only code can check (histograms
 * decode, counts add up, interval lists are of one length), every problem named by its path in the schema
 * kit's one wording, so a bad report is exit 2 with a reason, never a TypeError, "NaN%" or a silent
 * "inconclusive". The cost is bounded: the declaration's limits refuse an oversized report by its shape
 * before anything proportional to its size is done, and histograms are checked before they are decoded.
 */
import { DEFAULT_CONFIG } from '../engine/index.js';
import { decodeHistogram, INTERVAL_COUNTS, INTERVAL_HISTOGRAMS } from '../metrics/index.js';
import { histogramProblem } from '../metrics/contract.js';
import { problem, problemsOf } from '../util/schema.js';
import { MAX_PROFILES, REPORT } from './contract/report-schema.js';
import { FINDING_METRICS } from './finding-metrics.js';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const entries = (v: unknown) => (isObj(v) ? Object.entries(v) : []);

/**
 * An older report's config lacks the options added since: read as their defaults (the engine's), as the
 * run that wrote it had them. Shallow spreads only (whatever a crafted config holds is not walked here:
 * the schema does that); only for a report within its limits, and where the groups are objects.
 */
function withConfigDefaults(r: Json): void {
  if (!Array.isArray(r.profiles) || r.profiles.length > MAX_PROFILES) return;
  const groups = ['pool', 'timeouts', 'behavior', 'retry'] as const;
  for (const p of r.profiles) {
    if (!isObj(p) || !isObj(p.config)) continue;
    const config = p.config;
    if (!groups.every((g) => config[g] === undefined || isObj(config[g]))) continue;
    p.config = { ...DEFAULT_CONFIG, ...config, ...Object.fromEntries(groups.map((g) => [g, { ...DEFAULT_CONFIG[g], ...(config[g] as Json | undefined) }])) };
  }
}

/**
 * Every problem with `r` as a Report, by path; empty when it can be rendered, gated and merged. An older
 * report's config is completed in place with the options added since (their defaults).
 */
export function reportProblems(r: unknown): string[] {
  if (!isObj(r)) return ['the report must be a JSON object'];
  withConfigDefaults(r);
  const problems = problemsOf(REPORT, r);
  if (problems.length) return problems;
  const out: string[] = [];
  (r.profiles as Json[]).forEach((p, i) => {
    measuredProblems(p, `profiles[${i}]`, out);
    ((p.repeats as Json[] | undefined) ?? []).forEach((q, j) => measuredProblems(q, `profiles[${i}].repeats[${j}]`, out));
  });
  ((r.verification as Json[] | undefined) ?? []).forEach((v, i) =>
    (v.findings as Json[]).forEach((f, j) => {
      if (!Object.hasOwn(FINDING_METRICS, f.metric as string)) out.push(problem(`verification[${i}].findings[${j}].metric`, 'is not a known measure', f.metric));
    }),
  );
  return out;
}

/** What the declaration cannot say of a profile's measurements. */
function measuredProblems(p: Json, path: string, out: string[]): void {
  const requests = p.requests as { total: number; ok: number; failed: number };
  if (requests.total !== requests.ok + requests.failed) out.push(`${path}.requests.total must be ok + failed (${requests.ok} + ${requests.failed}), got ${requests.total}`);
  for (const [name, encoded] of entries(p.histograms)) histogram(encoded as string, `${path}.histograms.${name}`, out);
  if (isObj(p.intervals)) intervals(p.intervals, `${path}.intervals`, out);
}

function histogram(encoded: string, path: string, out: string[]): void {
  const why = histogramProblem(encoded);
  if (why) return void out.push(`${path} ${why}`);
  try {
    decodeHistogram(encoded);
  } catch {
    out.push(`${path} is not a valid encoded HDR histogram`);
  }
}

/** Every list of a series one entry per interval, and every histogram decodable. */
function intervals(s: Json, path: string, out: string[]): void {
  const n = (s.counts as Json).completed as unknown[];
  const lists = [...INTERVAL_COUNTS.map((c) => ['counts', c] as const), ...INTERVAL_HISTOGRAMS.map((h) => ['histograms', h] as const)];
  for (const [kind, name] of lists) {
    const list = (s[kind] as Json)[name] as unknown[] | undefined;
    if (list !== undefined && list.length !== n.length) out.push(`${path}.${kind}.${name} must have one entry per interval (${n.length}), got ${list.length}`);
  }
  for (const name of INTERVAL_HISTOGRAMS) {
    const list = (s.histograms as Json)[name] as string[] | undefined;
    for (let i = 0; list && i < list.length && out.length < 100; i++) histogram(list[i] as string, `${path}.histograms.${name}[${i}]`, out);
  }
}
