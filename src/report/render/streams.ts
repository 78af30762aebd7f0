/**
 * The streaming numbers of a report, one row per profile that streamed (or was held to an SLO), in
 * one place for every rendering: terminal, Markdown and HTML show the same columns.
 */
import type { Report } from '../contract/report.js';
import { tokensPerSecondText } from './figures.js';
import { fmtMs, fmtPct } from './format.js';

export const STREAM_COLUMNS = ['profile', 'TTFT p50', 'TTFT p99', 'ITL p50', 'ITL p99', 'TPOT p50', 'output tokens', 'tokens/s over the work', 'goodput'];

/** The rows (already formatted, not escaped), or none when no profile streamed or had an SLO. */
export function streamRows(report: Report): string[][] {
  return report.profiles
    .filter((p) => (p.tokens?.source ?? null) !== null || p.goodput)
    .map((p) => [
      p.name,
      fmtMs(p.ttftMs?.p50),
      fmtMs(p.ttftMs?.p99),
      fmtMs(p.itlMs?.p50),
      fmtMs(p.itlMs?.p99),
      fmtMs(p.tpotMs?.p50),
      p.tokens?.source ? `${p.tokens.out} (${p.tokens.source === 'usage' ? 'from usage' : p.tokens.source === 'counted' ? 'counted chunks' : 'usage and counted'})` : '–',
      tokensPerSecondText(p),
      p.goodput ? `${fmtPct(p.goodput.met, p.goodput.of)} met ${sloText(p.goodput.slo)}` : '–',
    ]);
}

function sloText(slo: { ttftMs?: number; itlMs?: number; e2eMs?: number }): string {
  const parts = [slo.ttftMs !== undefined ? `TTFT ≤ ${fmtMs(slo.ttftMs)}` : null, slo.itlMs !== undefined ? `ITL ≤ ${fmtMs(slo.itlMs)}` : null, slo.e2eMs !== undefined ? `E2E ≤ ${fmtMs(slo.e2eMs)}` : null];
  return parts.filter(Boolean).join(', ');
}
