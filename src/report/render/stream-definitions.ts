/**
 * A streaming run's TTFT, ITL and TPOT under every definition docs/metrics.md compares, side by side:
 * the numbers to set beside a vLLM benchmark's or genai-perf's. The report's own columns follow its
 * `metricDefinitions` (marked); the others come from the histograms kept for each definition.
 */
import Table from 'cli-table3';
import { METRIC_DEFINITIONS } from '../../metrics/index.js';
import { metricDefinitionsOf, type Report } from '../../runner/index.js';
import { fmtMs, safeText } from './format.js';

export const DEFINITION_COLUMNS = ['profile', 'definitions', 'TTFT p50', 'TTFT p99', 'ITL p50', 'ITL p99', 'TPOT p50', 'TPOT p99'];

/** The rows (formatted, not escaped); none when no profile streamed. */
export function definitionRows(report: Report): string[][] {
  const shown = metricDefinitionsOf(report);
  return report.profiles.flatMap((p) =>
    p.streamMetrics
      ? METRIC_DEFINITIONS.map((d) => {
          const m = (p.streamMetrics as NonNullable<typeof p.streamMetrics>)[d];
          return [p.name, d === shown ? `${d} (shown above)` : d, fmtMs(m.ttftMs?.p50), fmtMs(m.ttftMs?.p99), fmtMs(m.itlMs?.p50), fmtMs(m.itlMs?.p99), fmtMs(m.tpotMs?.p50), fmtMs(m.tpotMs?.p99)];
        })
      : [],
  );
}

/** The terminal table, or '' when nothing streamed. */
export function definitionsTable(report: Report, color = false): string {
  const rows = definitionRows(report);
  if (rows.length === 0) return '';
  const table = new Table({ head: DEFINITION_COLUMNS, style: color ? {} : { head: [], border: [] } });
  for (const r of rows) table.push(r.map(safeText));
  return `streams by each tool's definitions (docs/metrics.md; tokens: ${tokenSource(report)}):\n${table.toString()}`;
}

function tokenSource(report: Report): string {
  const sources = new Set(report.profiles.map((p) => p.tokens?.source).filter((s) => s));
  if (sources.size === 1 && sources.has('usage')) return "the server's usage";
  if (sources.size === 1 && sources.has('counted')) return 'counted content chunks, no usage sent';
  return 'usage where sent, else counted content chunks';
}
