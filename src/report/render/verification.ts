/**
 * `run --verify-fixes` as every rendering shows it: per profile, the settings applied, each finding's
 * measure before and after, the headline figures, and any finding the rerun raised. Rows are formatted
 * here once (not escaped: each medium escapes them).
 */
import type { FixVerification, Report } from '../contract/report.js';
import { clientSyntax } from '../client-terms.js';
import { findingMetric, fmtMeasure } from '../finding-metrics.js';
import { fmtMs, fmtPct } from './format.js';

export const VERIFICATION_COLUMNS = ['finding', 'measure', 'before', 'after', 'result'];

export interface VerificationBlock {
  profile: string;
  verified: boolean;
  /** "verified", "not verified" or "inconclusive". */
  verdict: string;
  /** "pool.keepAliveMs 1250 (httpx.Limits(keepalive_expiry=1.25))". */
  applied: string;
  rows: string[][];
  /** Findings the rerun raised, and settings that clash: one line each. */
  notes: string[];
}

const headlineValue = (metric: string, v: number | null) => (v === null ? '–' : metric === 'p(99)' ? fmtMs(v) : fmtPct(v, 1));

export function verificationBlocks(report: Report): VerificationBlock[] {
  return (report.verification ?? []).map((v: FixVerification) => {
    const preset = report.profiles.find((p) => p.name === v.profile)?.preset;
    const client = clientSyntax(preset, v.settings);
    const settings = Object.entries(v.settings).map(([k, x]) => `${k} ${String(x)}`).join(', ');
    const rows = [
      ...v.findings.map((f) => [
        `${f.id} (${f.severity})`,
        findingMetric(f.metric).label,
        fmtMeasure(f.metric, f.before),
        fmtMeasure(f.metric, f.after),
        f.resolved && f.improved ? 'fixed' : !f.resolved ? 'still raised' : 'not improved',
      ]),
      ...v.headline.map((h) => [
        'headline',
        h.metric,
        headlineValue(h.metric, h.before),
        headlineValue(h.metric, h.after),
        h.worse ? (h.tradeOff ? 'worse: a trade-off the fix names' : 'worse beyond noise') : 'not worse beyond noise',
      ]),
    ];
    const notes = [
      ...v.conflicts.map((c) => `findings contradict each other, nothing was rerun: ${c}`),
      ...v.headline.filter((h) => h.worse && h.tradeOff).map((h) => `trade-off (${h.metric}): ${h.tradeOff}`),
      ...(v.inconclusive ? [`inconclusive: ${v.inconclusive}`] : []),
      ...(v.reruns > 1 ? ['the first rerun did not verify the fixes; this is the second'] : []),
      ...v.newFindings.map((f) => `new after the fix: ${f.id} (${f.severity}): ${f.symptom}`),
    ];
    return { profile: v.profile, verified: v.verified, verdict: v.verified ? 'verified' : v.inconclusive ? 'inconclusive' : 'not verified', applied: `${settings || 'nothing'}${client ? ` (${client})` : ''}`, rows, notes };
  });
}
