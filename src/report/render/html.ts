/**
 * One self-contained HTML file: opens with no network (uPlot and its CSS are inlined), escapes
 * everything it did not write itself (text via escapeHtml; data as JSON with `<` escaped, read by
 * textContent), and draws (html-charts.ts, html-script.ts): the percentile spectrum (HdrHistogram style,
 * log scale, every profile overlaid), latency, ok and failed throughput over time, errors by code over
 * time, connections opened and reused, each time chart marked with the load's end, the drain and fault
 * windows; for streams, TTFT and ITL spectra and their p50/p99 over time.
 */
import { changeText, distributionText } from './text-outputs.js';
import { STREAM_COLUMNS, streamRows } from './streams.js';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Report } from '../contract/report.js';
import { extraAttemptsText, failureCounts, ratesText, statusesText } from './figures.js';
import { fmtCount, fmtCounts, fmtMs, fmtPct } from './format.js';
import { checkDetail, type Check } from '../gate.js';
import { chartData } from './html-charts.js';
import { SCRIPT } from './html-script.js';
import { VERIFICATION_COLUMNS, verificationBlocks } from './verification.js';

export { chartData, type ChartData } from './html-charts.js';

const require = createRequire(import.meta.url);
let uplot: { js: string; css: string } | null = null;
function uPlotAssets(): { js: string; css: string } {
  uplot ??= {
    js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
  return uplot;
}

export function escapeHtml(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** JSON safe inside <script type="application/json">: no `<`, and no line separators JavaScript chokes on. */
function scriptJson(data: unknown): string {
  return JSON.stringify(data).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function summaryRows(report: Report): string {
  return report.profiles
    .map((p) => {
      const l = p.latencyMs;
      const cells = [
        p.name,
        fmtCount(p.requests.total),
        fmtCount(p.requests.late),
        ratesText(p),
        fmtMs(l?.p50),
        fmtMs(l?.p90),
        fmtMs(l?.p99),
        fmtMs(l?.p999),
        fmtMs(l?.max),
        fmtPct(p.requests.failed, p.requests.total),
        statusesText(p),
        fmtCounts(failureCounts(p)),
        `${p.connections.opened} / ${p.connections.reused}`,
        extraAttemptsText(p),
      ];
      return `<tr>${cells.map((c, i) => `<td${i > 0 && i < 10 ? ' class="num"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`;
    })
    .join('\n');
}

function streamsHtml(report: Report): string {
  const rows = streamRows(report);
  if (rows.length === 0) return '';
  const head = STREAM_COLUMNS.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  return `<h2>Streams</h2><table><thead><tr>${head}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

function findingsHtml(report: Report): string {
  const items = report.profiles.flatMap((p) =>
    p.findings.map((f) => {
      const c = changeText(f);
      const change = c.settings ? `<dt>change</dt><dd><code>${escapeHtml(c.settings)}</code></dd>${c.tradeOff ? `<dt>trade-off</dt><dd>${escapeHtml(c.tradeOff)}</dd>` : ''}` : '';
      return `<div class="finding ${escapeHtml(f.severity)}"><div class="symptom"><b>${escapeHtml(p.name)}</b> · ${escapeHtml(f.symptom)}</div>
<dl><dt>evidence</dt><dd>${escapeHtml(f.evidence)}</dd><dt>cause</dt><dd>${escapeHtml(f.cause)}</dd><dt>fix</dt><dd>${escapeHtml(f.fix)}</dd>${change}</dl></div>`;
    }),
  );
  return items.length ? items.join('\n') : '<p class="quiet">No findings: nothing in these numbers points at a client misconfiguration.</p>';
}

function verificationHtml(report: Report): string {
  const blocks = verificationBlocks(report);
  if (blocks.length === 0) return '';
  const head = VERIFICATION_COLUMNS.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  return `<h2>Fixes verified by rerunning</h2>${blocks
    .map(
      (b) =>
        `<p class="${b.verified ? 'pass' : b.verdict === 'inconclusive' ? 'quiet' : 'fail'}-text"><b>${b.verdict}</b>: ${escapeHtml(b.profile)} with <code>${escapeHtml(b.applied)}</code></p><table class="verification"><thead><tr>${head}</tr></thead><tbody>${b.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>${b.notes.map((n) => `<p class="quiet">${escapeHtml(n)}</p>`).join('')}`,
    )
    .join('\n')}`;
}

function checksHtml(checks: Check[]): string {
  if (checks.length === 0) return '';
  const rows = checks
    .map((c) => `<tr class="${escapeHtml(c.status)}"><td><code>${escapeHtml(c.expression)}</code></td><td>${escapeHtml(c.profile)}</td><td>${escapeHtml(c.status)}</td><td>${escapeHtml(checkDetail(c))}</td></tr>`)
    .join('\n');
  return `<h2>Gate</h2><table><thead><tr><th>check</th><th>profile</th><th>status</th><th>detail</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function configHtml(report: Report): string {
  return report.profiles
    .map((p) => `<details><summary>${escapeHtml(p.name)}: configuration${p.description ? ` — ${escapeHtml(p.description)}` : ''}</summary><pre>${escapeHtml(JSON.stringify({ config: p.config, client: p.client, server: p.server }, null, 2))}</pre></details>`)
    .join('\n');
}

const STYLE = `
:root { --fg:#1d2330; --muted:#5b6576; --line:#e3e7ee; --bg:#fbfcfe; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); margin: 0 auto; max-width: 1200px; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 10px; }
.meta { color: var(--muted); margin-bottom: 16px; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(540px, 1fr)); gap: 16px; }
.chart { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px; }
.chart h3 { font-size: 14px; margin: 0 0 6px; } .chart p { color: var(--muted); margin: 0 0 6px; font-size: 12px; }
.finding { border-left: 4px solid #999; background: #fff; padding: 8px 12px; margin: 8px 0; }
.finding.critical { border-color: #d33; } .finding.warning { border-color: #e6a100; } .finding.info { border-color: #3a7bd5; }
.finding dl { display: grid; grid-template-columns: 80px 1fr; margin: 6px 0 0; } .finding dt { color: var(--muted); }
.finding dd { margin: 0 0 4px; }
tr.fail td { background: #fdecec; } tr.pass td { background: #eefaf0; } tr.inconclusive td { background: #f5f5f5; }
.quiet { color: var(--muted); } pre { background: #fff; border: 1px solid var(--line); padding: 10px; overflow: auto; }
.pass-text b { color: #15803d; } .fail-text b { color: #b91c1c; }
.partial { background: #fff4d6; border: 1px solid #e6a100; padding: 8px 12px; border-radius: 6px; }`;

export function renderHtml(report: Report, checks: Check[] = []): string {
  const { js, css } = uPlotAssets();
  const data = chartData(report);
  const title = `tailgate · ${report.scenario.name}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${css}</style><style>${STYLE}</style>
</head><body>
<h1>${escapeHtml(title)}</h1>
<div class="meta">${escapeHtml(report.target.kind === 'mock' ? 'embedded mock' : report.target.url)} · ${escapeHtml(report.workload.method)} ${escapeHtml(report.workload.path)} (${escapeHtml(report.workload.kind)}) · ${escapeHtml(report.load.model)} load · ${escapeHtml(report.startedAt)} → ${escapeHtml(report.endedAt)} · tailgate ${escapeHtml(report.tool.version)}</div>
${report.distribution ? `<div class="meta">${escapeHtml(distributionText(report, String))}</div>` : ''}
${report.partial ? `<p class="partial">${report.distribution?.missing.length ? 'Shards are missing' : 'This run was stopped early'}: the report is partial.</p>` : ''}
<table class="summary"><thead><tr><th>profile</th><th>requests</th><th>late</th><th>req/s offered · ok (work)</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th><th>failed</th><th>statuses</th><th>errors (tries)</th><th>connections opened / reused</th><th>hedges / retries (lost races)</th></tr></thead>
<tbody>${summaryRows(report)}</tbody></table>
<p class="quiet">Offered: requests started per second of the load window. Ok: requests answered successfully per second of the time the work took, first send to last answer. A hedge race's loser is cancelled by the client: counted as lost, not as an error.</p>
${streamsHtml(report)}
<h2>Findings</h2>
${findingsHtml(report)}
${verificationHtml(report)}
${checksHtml(checks)}
<h2>Charts</h2>
<div class="charts">
<div class="chart"><h3>Latency by percentile</h3><p>HdrHistogram-style spectrum: the tail is to the right. Every profile overlaid.</p><div id="chart-spectrum"></div></div>
<div class="chart"><h3>Latency over time</h3><p>p50 (solid) and p99 (dashed) of the requests answered OK, per second. Shaded grey: the drain after the load's end; red: fault windows.</p><div id="chart-latency"></div></div>
<div class="chart"><h3>Throughput over time</h3><p>Requests answered OK (solid) and failed (dotted) per second: an outage shows as a dip.</p><div id="chart-throughput"></div></div>
<div class="chart"><h3>Errors by code over time</h3><p>Failed attempts per second, by error code (hedge race losers are not failures and are not drawn).</p><div id="chart-errors"></div></div>
<div class="chart"><h3>Connections</h3><p>Opened (solid) and reused (dashed) per second.</p><div id="chart-connections"></div></div>
${
  data.streams
    ? `<div class="chart"><h3>Time to first token by percentile</h3><p>From each request's intended start to its first content.</p><div id="chart-ttft-spectrum"></div></div>
<div class="chart"><h3>Gaps between tokens by percentile</h3><p>Between consecutive content chunks of a stream.</p><div id="chart-itl-spectrum"></div></div>
<div class="chart"><h3>Time to first token over time</h3><p>p50 (solid) and p99 (dashed) per interval.</p><div id="chart-ttft"></div></div>
<div class="chart"><h3>Gaps between tokens over time</h3><p>p50 (solid) and p99 (dashed) per interval.</p><div id="chart-itl"></div></div>`
    : ''
}
</div>
<h2>Configurations</h2>
${configHtml(report)}
<script type="application/json" id="tailgate-data">${scriptJson(data)}</script>
<script>${js.replace(/<\/script/gi, '<\\/script')}</script>
<script>${SCRIPT}</script>
</body></html>
`;
}
