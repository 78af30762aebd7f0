/**
 * A sweep's renderings: the table (terminal, Markdown) of every rate tried with its SLO value, noise and
 * verdict; the chart (HTML, inline SVG: no script, nothing fetched) of the SLO metric against rate, one
 * line per profile, the limit drawn across; and two sweeps side by side (compare). Everything that came
 * from the file is escaped (safeText on a terminal, escapeHtml in HTML, cells in Markdown).
 */
import Table from 'cli-table3';
import type { MetricKind } from '../../metrics/index.js';
import { parseSlo, type SweepPoint } from '../sweep.js';
import { scenarioName, type SweepFile } from '../sweep-file.js';
import { fmtMs, fmtRate, safeText } from './format.js';
import { escapeHtml } from './html.js';

/** A value in the SLO metric's own unit: a ratio as a percentage, a time in ms, a rate in req/s. */
export function fmtSloValue(kind: MetricKind, v: number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  if (kind === 'ratio') return `${(v * 100).toFixed(v > 0.999 || v < 0.001 ? 1 : 2)}%`;
  if (kind === 'duration') return fmtMs(v);
  if (kind === 'rate') return `${fmtRate(v)} req/s`;
  return String(Math.round(v));
}

const VERDICT_WORDS = { held: 'held', failed: 'not held', undecided: 'undecided (too short to decide)' } as const;

/** "goodput 100.0% ±0.0%: held" */
export function pointText(kind: MetricKind, p: Pick<SweepPoint, 'value' | 'margin' | 'verdict'>): string {
  const margin = p.margin === null ? '' : ` ±${fmtSloValue(kind, p.margin)}`;
  return `${fmtSloValue(kind, p.value)}${margin}: ${VERDICT_WORDS[p.verdict]}`;
}

const capacityText = (s: SweepFile, c: number | null) => (c === null ? `none (below ${s.range.from} req/s)` : `${c} req/s`);

function rows(s: SweepFile): string[][] {
  const { spec } = parseSlo(s.slo);
  return s.results.flatMap((r) =>
    [...r.points]
      .sort((a, b) => a.rate - b.rate)
      .map((p) => [
        r.profile,
        String(p.rate),
        fmtSloValue(spec.kind, p.value),
        p.margin === null || p.margin === undefined ? '–' : `±${fmtSloValue(spec.kind, p.margin)}`,
        VERDICT_WORDS[p.verdict],
        p.durationS !== undefined ? `${p.durationS} s${(p.trials ?? 1) > 1 ? ` (${p.trials} trials)` : ''}` : '–',
        p.requests ? `${p.requests.total} (${p.requests.failed} failed)` : '–',
        p.rate === r.capacity ? 'capacity' : '',
      ]),
  );
}

const HEAD = ['profile', 'rate (req/s)', 'SLO value', 'noise', 'verdict', 'trial', 'requests', ''];

/** The terminal's rendering: capacity per profile, then every rate tried. */
export function sweepText(s: SweepFile, color = false): string {
  const style = color ? {} : { head: [], border: [] };
  const capacity = new Table({ head: ['profile', `highest rate holding ${s.slo}`], style });
  for (const r of s.results) capacity.push([safeText(r.profile), capacityText(s, r.capacity)]);
  const tried = new Table({ head: HEAD, style });
  for (const row of rows(s)) tried.push(row.map(safeText));
  return `sweep of ${safeText(scenarioName(s))}: ${safeText(s.slo)}, rates ${s.range.from}..${s.range.to} req/s, trials of ${s.durationS} s${s.maxDurationS ? ` (lengthened up to ${s.maxDurationS} s when too short to decide)` : ''}\n${capacity.toString()}\n${tried.toString()}\n`;
}

const mdCell = (v: unknown) => safeText(v).replace(/[|\\`*_[\]<>]/g, (c) => `\\${c}`);

export function sweepMarkdown(s: SweepFile): string {
  const lines = [`## tailgate sweep: ${mdCell(scenarioName(s))}`, '', `Highest offered rate holding \`${mdCell(s.slo)}\` beyond noise.`, '', '| profile | capacity |', '| --- | --- |'];
  for (const r of s.results) lines.push(`| ${mdCell(r.profile)} | ${capacityText(s, r.capacity)} |`);
  lines.push('', `| ${HEAD.join(' | ')} |`, `|${HEAD.map(() => ' --- ').join('|')}|`);
  for (const row of rows(s)) lines.push(`| ${row.map(mdCell).join(' | ')} |`);
  return `${lines.join('\n')}\n`;
}

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#db2777', '#65a30d'];

/** The SLO metric against rate: one line per profile, a marker per verdict, the limit dashed across. */
export function sweepChartSvg(s: SweepFile): string {
  const slo = parseSlo(s.slo);
  const kind = slo.spec.kind;
  const W = 760, H = 340, L = 70, R = 20, T = 20, B = 50;
  const points = s.results.flatMap((r) => r.points);
  const values = points.map((p) => p.value).filter((v): v is number => v !== null);
  const rates = points.map((p) => p.rate);
  const yMin = Math.min(slo.limit, ...values);
  const yMax = Math.max(slo.limit, ...values);
  const pad = yMin === yMax ? Math.max(Math.abs(yMax) * 0.1, kind === 'ratio' ? 0.01 : 1) : 0.05 * (yMax - yMin);
  // Every metric a sweep holds is non-negative (times, ratios, rates, counts): the axis does not go below 0.
  const [lo, hi] = [Math.max(0, yMin - pad), yMax + pad];
  const xMin = Math.min(...rates);
  const xMax = Math.max(...rates);
  const x = (rate: number) => L + (xMax === xMin ? 0.5 : (rate - xMin) / (xMax - xMin)) * (W - L - R);
  const y = (v: number) => T + (1 - (v - lo) / (hi - lo)) * (H - T - B);
  const parts: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const v = lo + ((hi - lo) * i) / 4;
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#eee"/><text x="${L - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="11">${escapeHtml(fmtSloValue(kind, v))}</text>`);
  }
  for (const rate of [...new Set(rates)].sort((a, b) => a - b)) parts.push(`<text x="${x(rate).toFixed(1)}" y="${H - B + 16}" text-anchor="middle" font-size="11">${escapeHtml(fmtRate(rate))}</text>`);
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle" font-size="12">offered rate (req/s)</text>`);
  parts.push(`<line x1="${L}" x2="${W - R}" y1="${y(slo.limit).toFixed(1)}" y2="${y(slo.limit).toFixed(1)}" stroke="#888" stroke-dasharray="5 4"/><text x="${W - R}" y="${(y(slo.limit) - 5).toFixed(1)}" text-anchor="end" font-size="11" fill="#555">limit ${escapeHtml(s.slo)}</text>`);
  s.results.forEach((r, i) => {
    const color = COLORS[i % COLORS.length] as string;
    const pts = [...r.points].filter((p) => p.value !== null).sort((a, b) => a.rate - b.rate);
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map((p) => `${x(p.rate).toFixed(1)},${y(p.value as number).toFixed(1)}`).join(' ')}"/>`);
    for (const p of pts) {
      const cx = x(p.rate).toFixed(1);
      const cy = y(p.value as number).toFixed(1);
      const title = `<title>${escapeHtml(`${r.profile} at ${p.rate} req/s: ${pointText(kind, p)}`)}</title>`;
      // Filled: held; hollow: not held; a square: undecided.
      parts.push(p.verdict === 'undecided' ? `<rect x="${Number(cx) - 4}" y="${Number(cy) - 4}" width="8" height="8" fill="#fff" stroke="${color}" stroke-width="2">${title}</rect>` : `<circle cx="${cx}" cy="${cy}" r="4.5" fill="${p.verdict === 'held' ? color : '#fff'}" stroke="${color}" stroke-width="2">${title}</circle>`);
    }
    parts.push(`<rect x="${L + 10 + i * 170}" y="${T - 14}" width="10" height="10" fill="${color}"/><text x="${L + 24 + i * 170}" y="${T - 5}" font-size="12">${escapeHtml(r.profile)}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${escapeHtml(`${slo.spec.name} against offered rate`)}">${parts.join('')}</svg>`;
}

/** One self-contained page: the chart and the table. */
export function sweepHtml(s: SweepFile): string {
  const table = `<table><thead><tr>${HEAD.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows(s)
    .map((row) => `<tr>${row.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
  const capacity = s.results.map((r) => `<li><b>${escapeHtml(r.profile)}</b>: ${escapeHtml(capacityText(s, r.capacity))}</li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>tailgate sweep: ${escapeHtml(scenarioName(s))}</title>
<style>body { font: 14px/1.45 system-ui, sans-serif; max-width: 1000px; margin: 0 auto; padding: 24px; } table { border-collapse: collapse; } th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: left; } .quiet { color: #666; }</style>
</head><body>
<h1>tailgate sweep: ${escapeHtml(scenarioName(s))}</h1>
<p class="quiet">The highest offered rate each profile holds within <code>${escapeHtml(s.slo)}</code> beyond the run's own noise; rates ${escapeHtml(s.range.from)}..${escapeHtml(s.range.to)} req/s, trials of ${escapeHtml(s.durationS)} s. Filled: held; hollow: not held; square: undecided (too short to decide).</p>
<ul>${capacity}</ul>
${sweepChartSvg(s)}
<h2>Every rate tried</h2>
${table}
</body></html>
`;
}

/** Capacities side by side: one sweep's profiles, or the same profiles in two sweeps. */
export function compareSweeps(a: SweepFile, b?: SweepFile): string {
  const table = new Table({ head: b ? ['profile', `before: ${a.slo}`, `after: ${b.slo}`, 'change'] : ['profile', `highest rate holding ${a.slo}`], style: { head: [], border: [] } });
  for (const r of a.results) {
    if (!b) {
      table.push([safeText(r.profile), capacityText(a, r.capacity)]);
      continue;
    }
    const other = b.results.find((x) => x.profile === r.profile);
    const change = other && r.capacity !== null && other.capacity !== null ? `${other.capacity >= r.capacity ? '+' : ''}${(((other.capacity - r.capacity) / r.capacity) * 100).toFixed(0)}%` : '–';
    table.push([safeText(r.profile), capacityText(a, r.capacity), other ? capacityText(b, other.capacity) : 'not in the second sweep', change]);
  }
  const note = b && a.slo !== b.slo ? `\nthe two sweeps hold different SLOs (${safeText(a.slo)} / ${safeText(b.slo)}): their capacities answer different questions` : '';
  return `${table.toString()}${note}`;
}
