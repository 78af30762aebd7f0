/** Terminal tables (cli-table3) of a Report: strings in, strings out, so tests and CI logs read the same. */
import Table from 'cli-table3';
import type { ProfileReport, Report } from '../contract/report.js';
import { extraAttemptsText, failureCounts, ratesText, statusesText } from './figures.js';
import { fmtCount, fmtCounts, fmtMs, fmtPct, safeText } from './format.js';
import { STREAM_COLUMNS, streamRows } from './streams.js';
import { VERIFICATION_COLUMNS, verificationBlocks } from './verification.js';

export function summaryTable(report: Report, color = false): string {
  const style = color ? {} : { head: [], border: [] };
  const table = new Table({
    head: ['profile', 'requests', 'req/s offered · ok (work)', 'p50', 'p90', 'p99', 'max', 'failed', 'statuses', 'errors (tries)', 'conns opened/reused', 'hedge/retry'],
    style,
  });
  for (const p of report.profiles) table.push(profileRow(p));
  return table.toString();
}

function profileRow(p: ProfileReport): string[] {
  const l = p.latencyMs;
  return [
    safeText(p.name),
    `${fmtCount(p.requests.total)}${p.requests.late ? ` (${fmtCount(p.requests.late)} late)` : ''}`,
    ratesText(p),
    fmtMs(l?.p50),
    fmtMs(l?.p90),
    fmtMs(l?.p99),
    fmtMs(l?.max),
    `${fmtCount(p.requests.failed)} (${fmtPct(p.requests.failed, p.requests.total)})${p.requests.abandoned ? ` incl. ${fmtCount(p.requests.abandoned)} abandoned` : ''}`,
    safeText(statusesText(p)),
    safeText(fmtCounts(failureCounts(p))),
    `${fmtCount(p.connections.opened)}/${fmtCount(p.connections.reused)}`,
    extraAttemptsText(p),
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

/** `run --verify-fixes`: per rerun profile, what was applied and each measure before and after; '' when none. */
export function verificationText(report: Report, color = false): string {
  return verificationBlocks(report)
    .map((b) => {
      const table = new Table({ head: VERIFICATION_COLUMNS, style: color ? {} : { head: [], border: [] } });
      for (const r of b.rows) table.push(r.map(safeText));
      const notes = b.notes.map((n) => `  ${safeText(n)}\n`).join('');
      return `${b.verified ? '✔' : b.verdict === 'inconclusive' ? '?' : '✖'} ${b.verdict}: ${safeText(b.profile)} with ${safeText(b.applied)}\n${table.toString()}\n${notes}`;
    })
    .join('\n');
}

/** One line of live progress. */
export function progressLine(p: { profile: string; elapsedS: number; rps: number; p99Ms: number | null; errors: number; inFlight: number }): string {
  return `${safeText(p.profile)}  ${p.elapsedS.toFixed(0).padStart(4)}s  ${String(p.rps).padStart(6)} req/s  p99 ${fmtMs(p.p99Ms).padStart(7)}  errors ${p.errors}  in flight ${p.inFlight}`;
}
