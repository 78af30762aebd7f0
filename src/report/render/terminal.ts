/** Terminal tables (cli-table3) of a Report: strings in, strings out, so tests and CI logs read the same. */
import Table from 'cli-table3';
import type { ProfileReport, Report } from '../contract/report.js';
import { fmtCount, fmtCounts, fmtMs, fmtPct, fmtRate, safeText } from './format.js';
import { STREAM_COLUMNS, streamRows } from './streams.js';

export function summaryTable(report: Report, color = false): string {
  const style = color ? {} : { head: [], border: [] };
  const table = new Table({
    head: ['profile', 'requests', 'req/s offered/achieved', 'p50', 'p90', 'p99', 'max', 'failed', 'errors (attempts)', 'conns opened/reused', 'hedge/retry'],
    style,
  });
  for (const p of report.profiles) table.push(profileRow(p));
  return table.toString();
}

function profileRow(p: ProfileReport): string[] {
  const l = p.latencyMs;
  const rps = `${fmtRate(p.rate?.offered)}/${fmtRate(p.rate?.achieved)}`;
  return [
    safeText(p.name),
    `${fmtCount(p.requests.total)}${p.requests.late ? ` (${fmtCount(p.requests.late)} late)` : ''}`,
    rps,
    fmtMs(l?.p50),
    fmtMs(l?.p90),
    fmtMs(l?.p99),
    fmtMs(l?.max),
    `${fmtCount(p.requests.failed)} (${fmtPct(p.requests.failed, p.requests.total)})${p.requests.abandoned ? ` incl. ${fmtCount(p.requests.abandoned)} abandoned` : ''}`,
    safeText(fmtCounts(p.errors)),
    `${fmtCount(p.connections.opened)}/${fmtCount(p.connections.reused)}`,
    `${p.attempts.hedge}/${p.attempts.retry}`,
  ];
}

/** TTFT, ITL, TPOT, tokens and goodput of the profiles that streamed; '' when none did. */
export function streamTable(report: Report, color = false): string {
  const rows = streamRows(report);
  if (rows.length === 0) return '';
  const table = new Table({ head: STREAM_COLUMNS, style: color ? {} : { head: [], border: [] } });
  for (const r of rows) table.push(r.map(safeText));
  return table.toString();
}

/** One line of live progress. */
export function progressLine(p: { profile: string; elapsedS: number; rps: number; p99Ms: number | null; errors: number; inFlight: number }): string {
  return `${safeText(p.profile)}  ${p.elapsedS.toFixed(0).padStart(4)}s  ${String(p.rps).padStart(6)} req/s  p99 ${fmtMs(p.p99Ms).padStart(7)}  errors ${p.errors}  in flight ${p.inFlight}`;
}
