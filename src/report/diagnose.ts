/**
 * Findings computed from a report: each names the symptom, the evidence (numbers from the report), the
 * likely cause, the fix in words, the measure it is about, and the fix as data (`change`: settings in a
 * scenario profile's keys, and in the client's own syntax), which `run --verify-fixes` applies and
 * checks. Rules read only the report, so an old or merged report is diagnosed like a fresh one.
 */
import { generatorSaturation } from './saturation.js';
import type { Finding, FixSettings, ProfileReport, Report } from './contract/report.js';
import { fmtMs } from './render/format.js';
import { poolExhaustion } from './rules-capacity.js';
import { connectFailures, connectionChurn, connectionReset, portExhaustion, staleKeepAlive } from './rules-connections.js';
import { hedgingNotPaying, overRateLimit, retriedAtOnce, retryStorm } from './rules-retries.js';
import { abandonedRequests, readTimeoutVsTokenGaps, timeoutsTooLong, timeoutsTooShort } from './rules-timeouts.js';
import { pct, type Rule } from './rule-kit.js';
import { redirected, tlsFailed } from './rules-answers.js';
import { diagnoseWire } from './rules-wire.js';

export { connectionsNeeded, poissonQuantile } from './rules-capacity.js';

/** The finding about the machine running tailgate, not the client: left out of a fix's verification. */
export const GENERATOR_FINDING = 'saturated-load-generator';

const saturatedGenerator: Rule = (p) => {
  const why = generatorSaturation(p);
  if (why === null) return null;
  const loop = p.eventLoop;
  const lateRatio = p.requests.total > 0 ? p.requests.late / p.requests.total : 0;
  return {
    id: GENERATOR_FINDING,
    severity: 'warning',
    symptom: `the load generator itself was overloaded (${why}): the numbers above are suspect`,
    evidence: `${loop ? `event-loop delay p99 ${fmtMs(loop.p99Ms)}, max ${fmtMs(loop.maxMs)}; ` : ''}${p.requests.late} of ${p.requests.total} requests (${pct(lateRatio)}) started more than 10 ms late`,
    cause: 'The machine running tailgate could not keep up (CPU, or the in-flight cap): its own delay adds to every latency it measures.',
    fix: 'Not a client setting: lower the rate or the number of profiles per run, raise load.maxInFlight if requests waited for it, or shard the run across machines (tailgate run --shard i/N on each, then tailgate merge).',
    metric: 'late_rate',
    change: null,
  };
};

export const RULES: Rule[] = [
  poolExhaustion,
  portExhaustion,
  connectionChurn,
  staleKeepAlive,
  timeoutsTooShort,
  readTimeoutVsTokenGaps,
  timeoutsTooLong,
  connectionReset,
  abandonedRequests,
  retryStorm,
  retriedAtOnce,
  overRateLimit,
  hedgingNotPaying,
  connectFailures,
  saturatedGenerator,
  redirected,
  tlsFailed,
];

export function diagnose(profile: ProfileReport, report: Report): Finding[] {
  // A client observed by the proxy: its config is not known, only what it did on the wire.
  if (profile.wire) return diagnoseWire(profile, profile.wire);
  return RULES.map((rule) => rule(profile, report)).filter((f): f is Finding => f !== null);
}

/** Fill every profile's findings (a copy; the input is left as read). */
export function withFindings(report: Report): Report {
  return { ...report, profiles: report.profiles.map((p) => ({ ...p, findings: diagnose(p, report) })) };
}

/**
 * Every change of a profile's findings, as one set of settings; two findings that ask for different
 * values of one setting contradict each other, and are named instead of one silently winning.
 */
export function mergedChanges(findings: Finding[]): { settings: FixSettings; conflicts: string[] } {
  const settings: FixSettings = {};
  const askedBy: Record<string, string> = {};
  const conflicts: string[] = [];
  for (const f of findings) {
    for (const [key, value] of Object.entries(f.change?.settings ?? {})) {
      if (!(key in settings)) {
        settings[key] = value;
        askedBy[key] = f.id;
      } else if (settings[key] !== value) conflicts.push(`${key}: ${askedBy[key]} asks for ${String(settings[key])}, ${f.id} for ${String(value)}`);
    }
  }
  return { settings, conflicts };
}
