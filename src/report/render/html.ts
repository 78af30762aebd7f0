/**
 * One self-contained HTML file: opens with no network (uPlot and its CSS are inlined), escapes
 * everything it did not write itself (text via escapeHtml; data as JSON with `<` escaped, read by
 * textContent), and draws: the percentile spectrum (HdrHistogram style, log scale, every profile
 * overlaid), latency and throughput over time with phase markers, errors by code over time, and
 * connections opened and reused.
 */
import { distributionText } from './text-outputs.js';
import { STREAM_COLUMNS, streamRows } from './streams.js';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ProfileReport, Report } from '../contract/report.js';
import { fmtCount, fmtCounts, fmtMs, fmtPct } from './format.js';
import { checkDetail, type Check } from '../gate.js';
import { histogramOf } from '../../metrics/index.js';

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

/** x = -log10(1 - p): 0 → p0, 1 → p90, 2 → p99, 3 → p99.9, 4 → p99.99. */
const SPECTRUM_X = Array.from({ length: 81 }, (_, i) => i * 0.05);

function spectrum(p: ProfileReport): (number | null)[] {
  const h = histogramOf(p, 'latency');
  if (h.totalCount === 0) return SPECTRUM_X.map(() => null);
  // Beyond the resolution of the sample count, a percentile is just the max: stop the line there.
  const maxX = Math.log10(h.totalCount);
  return SPECTRUM_X.map((x) => (x <= maxX + 0.01 ? h.getValueAtPercentile(100 * (1 - 10 ** -x)) / 1000 : null));
}

export interface ChartData {
  profiles: string[];
  spectrum: { x: number[]; series: (number | null)[][] };
  timeline: { t: number[]; rps: (number | null)[][]; p50: (number | null)[][]; p99: (number | null)[][]; opened: (number | null)[][]; reused: (number | null)[][] };
  errors: { t: number[]; series: { label: string; values: (number | null)[] }[] };
  phases: { t: number; name: string; profile: string }[];
}

export function chartData(report: Report): ChartData {
  const ts = [...new Set(report.profiles.flatMap((p) => p.timeline.map((r) => r.t)))].sort((a, b) => a - b);
  const along = (p: ProfileReport, pick: (r: ProfileReport['timeline'][number]) => number | null) => {
    const byT = new Map(p.timeline.map((r) => [r.t, pick(r)]));
    return ts.map((t) => (byT.has(t) ? (byT.get(t) as number | null) : null));
  };
  const codes = [...new Set(report.profiles.flatMap((p) => p.timeline.flatMap((r) => Object.keys(r.errorsByCode ?? {}))))].sort();
  return {
    profiles: report.profiles.map((p) => p.name),
    spectrum: { x: SPECTRUM_X, series: report.profiles.map(spectrum) },
    timeline: {
      t: ts,
      rps: report.profiles.map((p) => along(p, (r) => r.rps)),
      p50: report.profiles.map((p) => along(p, (r) => r.p50Ms)),
      p99: report.profiles.map((p) => along(p, (r) => r.p99Ms)),
      opened: report.profiles.map((p) => along(p, (r) => r.connectionsOpened ?? null)),
      reused: report.profiles.map((p) => along(p, (r) => r.connectionsReused ?? null)),
    },
    errors: {
      t: ts,
      series: report.profiles.flatMap((p) => codes.map((code) => ({ label: `${p.name}: ${code}`, values: along(p, (r) => r.errorsByCode?.[code] ?? 0) }))),
    },
    phases: report.profiles.flatMap((p) => p.phases.map((ph) => ({ ...ph, profile: p.name }))),
  };
}

function summaryRows(report: Report): string {
  return report.profiles
    .map((p) => {
      const l = p.latencyMs;
      const cells = [
        p.name,
        fmtCount(p.requests.total),
        fmtMs(l?.p50),
        fmtMs(l?.p90),
        fmtMs(l?.p99),
        fmtMs(l?.p999),
        fmtMs(l?.max),
        fmtPct(p.requests.failed, p.requests.total),
        fmtCounts(p.errors),
        `${p.connections.opened} / ${p.connections.reused}`,
        `${p.attempts.hedge} / ${p.attempts.retry}`,
      ];
      return `<tr>${cells.map((c, i) => `<td${i > 0 && i < 8 ? ' class="num"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`;
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
    p.findings.map(
      (f) => `<div class="finding ${escapeHtml(f.severity)}"><div class="symptom"><b>${escapeHtml(p.name)}</b> · ${escapeHtml(f.symptom)}</div>
<dl><dt>evidence</dt><dd>${escapeHtml(f.evidence)}</dd><dt>cause</dt><dd>${escapeHtml(f.cause)}</dd><dt>fix</dt><dd>${escapeHtml(f.fix)}</dd></dl></div>`,
    ),
  );
  return items.length ? items.join('\n') : '<p class="quiet">No findings: nothing in these numbers points at a client misconfiguration.</p>';
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
.partial { background: #fff4d6; border: 1px solid #e6a100; padding: 8px 12px; border-radius: 6px; }`;

/** Our own drawing code: reads the data block with textContent and hands it to uPlot. */
const SCRIPT = String.raw`
(function () {
  var data = JSON.parse(document.getElementById('tailgate-data').textContent);
  var colors = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#db2777', '#65a30d'];
  var width = function (el) { return Math.max(480, el.clientWidth - 20); };
  function phaseMarkers() {
    return { hooks: { draw: [function (u) {
      var ctx = u.ctx; ctx.save(); ctx.strokeStyle = '#888'; ctx.setLineDash([4, 4]); ctx.fillStyle = '#555'; ctx.font = '11px sans-serif';
      data.phases.forEach(function (ph) {
        var x = u.valToPos(ph.t, 'x', true); if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
        ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke();
        ctx.fillText(ph.name, x + 4, u.bbox.top + 12);
      });
      ctx.restore();
    }] } };
  }
  function chart(id, opts, rows) {
    var el = document.getElementById(id);
    opts.width = width(el); opts.height = 300;
    var plot = new uPlot(opts, rows, el);
    window.tailgateCharts.push(plot);
  }
  window.tailgateCharts = [];
  var pctTicks = function (u, vals) { return vals.map(function (v) { var p = 100 * (1 - Math.pow(10, -v)); return v === 0 ? 'p0' : 'p' + (+p.toFixed(4)); }); };
  chart('chart-spectrum', {
    scales: { x: { time: false }, y: { distr: 3 } },
    axes: [{ label: 'percentile', values: pctTicks, splits: function () { return [0, 1, 2, 3, 4]; } }, { label: 'latency (ms, log)' }],
    series: [{ label: 'percentile', value: function (u, v) { return v == null ? '' : 'p' + (+(100 * (1 - Math.pow(10, -v))).toFixed(4)); } }].concat(data.profiles.map(function (name, i) {
      return { label: name, stroke: colors[i % colors.length], width: 2, value: function (u, v) { return v == null ? '' : v.toFixed(2) + ' ms'; } };
    }))
  }, [data.spectrum.x].concat(data.spectrum.series));
  var timeSeries = function (suffix, dash) {
    return data.profiles.map(function (name, i) { return { label: name + suffix, stroke: colors[i % colors.length], width: 2, dash: dash, spanGaps: true }; });
  };
  chart('chart-latency', Object.assign({
    scales: { x: { time: false }, y: { distr: 3 } },
    axes: [{ label: 'seconds' }, { label: 'latency (ms, log)' }],
    series: [{ label: 't' }].concat(timeSeries(' p50', [])).concat(timeSeries(' p99', [6, 3]))
  }, { plugins: [phaseMarkers()] }), [data.timeline.t].concat(data.timeline.p50).concat(data.timeline.p99));
  chart('chart-throughput', {
    scales: { x: { time: false } }, plugins: [phaseMarkers()],
    axes: [{ label: 'seconds' }, { label: 'requests / s' }],
    series: [{ label: 't' }].concat(timeSeries('', []))
  }, [data.timeline.t].concat(data.timeline.rps));
  chart('chart-errors', {
    scales: { x: { time: false } }, plugins: [phaseMarkers()],
    axes: [{ label: 'seconds' }, { label: 'failed attempts / s' }],
    series: [{ label: 't' }].concat(data.errors.series.map(function (s, i) { return { label: s.label, stroke: colors[(i + 3) % colors.length], width: 2 }; }))
  }, [data.errors.t].concat(data.errors.series.map(function (s) { return s.values; })));
  chart('chart-connections', {
    scales: { x: { time: false } },
    axes: [{ label: 'seconds' }, { label: 'per second' }],
    series: [{ label: 't' }].concat(timeSeries(' opened', [])).concat(timeSeries(' reused', [6, 3]))
  }, [data.timeline.t].concat(data.timeline.opened).concat(data.timeline.reused));
  document.body.setAttribute('data-charts-drawn', String(window.tailgateCharts.length));
})();`;

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
<table><thead><tr><th>profile</th><th>requests</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th><th>failed</th><th>errors (attempts)</th><th>connections opened / reused</th><th>hedges / retries</th></tr></thead>
<tbody>${summaryRows(report)}</tbody></table>
${streamsHtml(report)}
<h2>Findings</h2>
${findingsHtml(report)}
${checksHtml(checks)}
<h2>Charts</h2>
<div class="charts">
<div class="chart"><h3>Latency by percentile</h3><p>HdrHistogram-style spectrum: the tail is to the right. Every profile overlaid.</p><div id="chart-spectrum"></div></div>
<div class="chart"><h3>Latency over time</h3><p>p50 (solid) and p99 (dashed) per second; dashed verticals mark phases.</p><div id="chart-latency"></div></div>
<div class="chart"><h3>Throughput over time</h3><p>Completed requests per second.</p><div id="chart-throughput"></div></div>
<div class="chart"><h3>Errors by code over time</h3><p>Failed attempts per second, by error code.</p><div id="chart-errors"></div></div>
<div class="chart"><h3>Connections</h3><p>Opened (solid) and reused (dashed) per second.</p><div id="chart-connections"></div></div>
</div>
<h2>Configurations</h2>
${configHtml(report)}
<script type="application/json" id="tailgate-data">${scriptJson(data)}</script>
<script>${js.replace(/<\/script/gi, '<\\/script')}</script>
<script>${SCRIPT}</script>
</body></html>
`;
}
