/**
 * Side by side: the profiles of one report, or the same profiles across two runs, with deltas, and a mark
 * on each difference that is beyond noise, by the gate's own noise models (noise.ts).
 */
import Table from 'cli-table3';
import type { ProfileReport, Report } from './contract/report.js';
import { fmtMs, fmtPct, safeText } from './render/format.js';
import { COMPARED, metricOf, parseMetric } from '../metrics/index.js';
import { exceeds, runNoise } from './noise.js';

export interface ComparedRow {
  metric: string;
  a: number | null;
  b: number | null;
  /** Relative change b vs a (points for rates). */
  delta: number | null;
  beyondNoise: boolean;
}

/** The registry's kind of a compared metric; the rows that follow it (work rates, connection counts) have none. */
const kindOf = (metric: string) => (COMPARED.includes(metric) ? parseMetric(metric).kind : null);
/** A ratio moves in points (0.1% → 0.3% is +0.2 pts); every other metric relatively. */
const inPoints = (metric: string) => kindOf(metric) === 'ratio';

/** Did the metric move beyond noise, either way (each side's own noise: batch means where it can)? */
function movedBeyondNoise(metric: string, a: ProfileReport, b: ProfileReport): boolean {
  const spec = parseMetric(metric);
  const x = runNoise(spec, a);
  const y = runNoise(spec, b);
  if (!x || !y) return false;
  return exceeds(y, x, 1, 0, true).beyondNoise || exceeds(y, x, 1, 0, false).beyondNoise;
}

export function compareProfiles(a: ProfileReport, b: ProfileReport): ComparedRow[] {
  const rows: ComparedRow[] = [];
  for (const metric of COMPARED) {
    const x = metricOf(a, metric).value;
    const y = metricOf(b, metric).value;
    const delta = x === null || y === null ? null : inPoints(metric) ? y - x : x > 0 ? y / x - 1 : null;
    rows.push({ metric, a: x, b: y, delta, beyondNoise: x !== null && y !== null && movedBeyondNoise(metric, a, b) });
  }
  // Over the time each profile's work took (reports from before it lack them: shown as –).
  for (const [metric, x, y] of [
    ['work.okPerSecond', a.work?.okPerSecond ?? null, b.work?.okPerSecond ?? null],
    ['work.tokensPerSecond', a.work?.tokensPerSecond ?? null, b.work?.tokensPerSecond ?? null],
  ] as const) {
    if (x === null && y === null) continue;
    rows.push({ metric, a: x, b: y, delta: x !== null && y !== null && x > 0 ? y / x - 1 : null, beyondNoise: false });
  }
  for (const [metric, x, y] of [
    ['connections.opened', a.connections.opened, b.connections.opened],
    ['attempts.retry', a.attempts.retry, b.attempts.retry],
    ['attempts.hedge', a.attempts.hedge, b.attempts.hedge],
  ] as const) {
    rows.push({ metric, a: x, b: y, delta: x > 0 ? y / x - 1 : null, beyondNoise: false });
  }
  return rows;
}

/** The pairs to compare: profile by name across two reports, or every profile against the first of one. */
export function pairsOf(a: Report, b?: Report): { left: ProfileReport; right: ProfileReport; title: string }[] {
  if (b) {
    return a.profiles.flatMap((p) => {
      const q = b.profiles.find((x) => x.name === p.name);
      return q ? [{ left: p, right: q, title: `${p.name}: ${a.startedAt} → ${b.startedAt}` }] : [];
    });
  }
  const [first, ...rest] = a.profiles;
  return first ? rest.map((p) => ({ left: first, right: p, title: `${first.name} → ${p.name}` })) : [];
}

function show(metric: string, v: number | null): string {
  if (v === null) return '–';
  if (metric.startsWith('work.')) return `${v.toFixed(1)}/s`;
  const kind = kindOf(metric);
  return kind === 'ratio' ? fmtPct(v, 1) : kind === 'rate' ? `${v.toFixed(1)}/s` : kind === 'duration' ? fmtMs(v) : String(v);
}

export function compareTable(a: Report, b?: Report): string {
  const out: string[] = [];
  for (const { left, right, title } of pairsOf(a, b)) {
    const table = new Table({ head: ['metric', left === right ? 'a' : b ? 'before' : left.name, b ? 'after' : right.name, 'change', ''], style: { head: [], border: [] } });
    for (const r of compareProfiles(left, right)) {
      const change =
        r.delta === null ? '–' : inPoints(r.metric) ? `${r.delta >= 0 ? '+' : ''}${(r.delta * 100).toFixed(2)} pts` : `${r.delta >= 0 ? '+' : ''}${(r.delta * 100).toFixed(1)}%`;
      table.push([r.metric, show(r.metric, r.a), show(r.metric, r.b), change, r.beyondNoise ? 'beyond noise' : '']);
    }
    out.push(`${safeText(title)}\n${table.toString()}`);
  }
  return out.length ? out.join('\n\n') : 'nothing to compare: give two reports with a profile in common, or one report with two profiles';
}
