/** The text renderings of a report: findings for a terminal, Markdown, JUnit XML and .hgrm. */
import Table from 'cli-table3';
import type { Finding, ProfileReport, Report } from '../contract/report.js';
import { extraAttemptsText, failureCounts, ratesText, statusesText } from './figures.js';
import { fmtCount, fmtCounts, fmtMs, fmtPct, safeText } from './format.js';
import { STREAM_COLUMNS, streamRows } from './streams.js';
import { VERIFICATION_COLUMNS, verificationBlocks } from './verification.js';
import { checkDetail, type Check } from '../gate.js';
import { histogramOf } from '../../metrics/index.js';

const ICON: Record<Finding['severity'], string> = { critical: '✖', warning: '⚠', info: 'ℹ' };

/** A finding's change as settings ("pool.keepAliveMs=1250"), and the trade-off it names; '' when its fix is not a setting. */
export function changeText(f: Finding): { settings: string; tradeOff: string } {
  const settings = Object.entries(f.change?.settings ?? {})
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  const tradeOff = (f.change?.tradeOffs ?? []).map((t) => `${t.metric} may get worse: ${t.why}`).join('; ');
  return { settings, tradeOff };
}

export function findingsText(report: Report): string {
  const out: string[] = [];
  for (const p of report.profiles) {
    for (const f of p.findings) {
      const c = changeText(f);
      const change = c.settings ? `\n    change:   ${safeText(c.settings)}${c.tradeOff ? `\n    trade-off: ${safeText(c.tradeOff)}` : ''}` : '';
      out.push(`${ICON[f.severity]} ${safeText(p.name)}: ${safeText(f.symptom)}\n    evidence: ${safeText(f.evidence)}\n    cause:    ${safeText(f.cause)}\n    fix:      ${safeText(f.fix)}${change}`);
    }
  }
  return out.length ? out.join('\n') : 'no findings: nothing in these numbers points at a client misconfiguration';
}

/**
 * Profiles in which every request failed, said plainly above everything else: such a run measured the
 * failure, not the client (the exit code stays 0 unless a threshold says otherwise, as documented).
 */
export function allFailedText(report: Report): string {
  return report.profiles
    .filter((p) => p.requests.total > 0 && p.requests.ok === 0)
    .map((p) => `✖ every request of ${safeText(p.name)} failed (${p.requests.failed} of ${p.requests.total}; ${safeText(fmtCounts(p.requestErrors ?? p.errors))}): add a threshold such as error_rate<1% to fail CI on it`)
    .join('\n');
}

/**
 * How a run of several processes was put together: its shards, how closely they started, and which
 * are missing and why (''  for one process). `esc` makes the shards' own words safe for the medium.
 */
export function distributionText(report: Report, esc: (s: unknown) => string = safeText): string {
  const d = report.distribution;
  if (!d) return '';
  const skews = Object.values(d.startSkewMs).filter((v): v is number => v !== null);
  const rtts = Object.values(d.clockRttMs).filter((v): v is number => v !== null);
  const worst = skews.length ? Math.max(...skews.map(Math.abs)) : null;
  const parts = [
    `${d.mode === 'workers' ? `${d.shards} worker processes` : `${d.shards} coordinated shards`}`,
    worst === null ? 'start skew not measured' : `each began within ${worst.toFixed(1)} ms of its step's start time${rtts.length ? ` (clocks set over round trips of at most ${Math.max(...rtts).toFixed(1)} ms)` : ''}`,
  ];
  const missing = d.missing.map((m) => `shard ${m.index} ${m.status}${m.detail ? ` (${esc(m.detail)})` : ''}`);
  return `${parts.join(', ')}${missing.length ? `; not in this report: ${missing.join('; ')}` : ''}`;
}

export function checksTable(checks: Check[]): string {
  const table = new Table({ head: ['check', 'profile', 'status', 'detail'], style: { head: [], border: [] } });
  for (const c of checks) table.push([safeText(c.expression), safeText(c.profile), c.status.toUpperCase(), safeText(checkDetail(c))]);
  return table.toString();
}

const mdEscape = (s: unknown) =>
  String(s)
    .replace(/[|\\`*_[\]<>#&!()~]/g, (c) => `\\${c}`)
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');

export function markdownSummary(report: Report, checks: Check[] = []): string {
  const lines = [
    `## tailgate: ${mdEscape(report.scenario.name)}${report.partial ? ' (partial)' : ''}`,
    '',
    `${mdEscape(report.target.kind === 'mock' ? 'embedded mock' : report.target.url)} · ${mdEscape(report.workload.kind)} ${mdEscape(report.workload.path)} · ${mdEscape(report.load.model)} load · ${mdEscape(report.startedAt)}`,
    '',
    ...(report.distribution ? [distributionText(report, mdEscape), ''] : []),
    '| profile | requests | req/s offered · ok (work) | p50 | p90 | p99 | max | failed | statuses | errors (tries) | connections opened/reused | hedge/retry |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: |',
    ...report.profiles.map(
      (p) =>
        `| ${mdEscape(p.name)} | ${fmtCount(p.requests.total)}${p.requests.late ? ` (${fmtCount(p.requests.late)} late)` : ''} | ${mdEscape(ratesText(p))} | ${fmtMs(p.latencyMs?.p50)} | ${fmtMs(p.latencyMs?.p90)} | ${fmtMs(p.latencyMs?.p99)} | ${fmtMs(p.latencyMs?.max)} | ${fmtPct(p.requests.failed, p.requests.total)} | ${mdEscape(statusesText(p))} | ${mdEscape(fmtCounts(failureCounts(p)))} | ${p.connections.opened}/${p.connections.reused} | ${mdEscape(extraAttemptsText(p))} |`,
    ),
  ];
  const streams = streamRows(report);
  if (streams.length) {
    lines.push('', '### Streams', '', `| ${STREAM_COLUMNS.join(' | ')} |`, `| ${STREAM_COLUMNS.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`);
    for (const r of streams) lines.push(`| ${r.map(mdEscape).join(' | ')} |`);
  }
  const findings = report.profiles.flatMap((p) => p.findings.map((f) => ({ p, f })));
  if (findings.length) {
    lines.push('', '### Findings', '');
    for (const { p, f } of findings) {
      const c = changeText(f);
      lines.push(`- **${mdEscape(p.name)}** ${ICON[f.severity]} ${mdEscape(f.symptom)}. *Cause:* ${mdEscape(f.cause)} *Fix:* ${mdEscape(f.fix)}${c.settings ? ` *Change:* ${mdEscape(c.settings)}` : ''}${c.tradeOff ? ` *Trade-off:* ${mdEscape(c.tradeOff)}` : ''}`);
    }
  }
  const verified = verificationBlocks(report);
  if (verified.length) {
    lines.push('', '### Fixes verified by rerunning');
    for (const b of verified) {
      lines.push('', `${b.verified ? '✅' : b.verdict === 'inconclusive' ? '➖' : '❌'} ${b.verdict}: **${mdEscape(b.profile)}** with ${mdEscape(b.applied)}`, '');
      lines.push(`| ${VERIFICATION_COLUMNS.join(' | ')} |`, '| --- | --- | ---: | ---: | --- |', ...b.rows.map((r) => `| ${r.map(mdEscape).join(' | ')} |`));
      for (const n of b.notes) lines.push('', `- ${mdEscape(n)}`);
    }
  }
  if (checks.length) {
    lines.push('', '### Gate', '', '| check | profile | status | detail |', '| --- | --- | --- | --- |');
    for (const c of checks) lines.push(`| \`${c.expression.replace(/[`\u0000-\u001f\u007f-\u009f|]/g, '')}\` | ${mdEscape(c.profile)} | ${c.status === 'fail' ? '❌ fail' : c.status === 'pass' ? '✅ pass' : '➖ inconclusive'} | ${mdEscape(checkDetail(c))} |`);
  }
  return `${lines.join('\n')}\n`;
}

/** Escaped for XML 1.0, and characters XML cannot carry at all (controls, lone surrogates) replaced. */
const xml = (s: unknown) =>
  String(s)
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
    .replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] as string);

/** JUnit XML: one test case per gate check, so CI systems show each check. */
export function junitXml(report: Report, checks: Check[]): string {
  const failures = checks.filter((c) => c.status === 'fail').length;
  const skipped = checks.filter((c) => c.status === 'inconclusive').length;
  const cases = checks.map((c) => {
    const name = xml(`${c.profile}: ${c.expression}`);
    // Inconclusive is said in words, not only as `skipped` (which CI systems show as a quiet grey mark).
    const undecided = `inconclusive: ${checkDetail(c)}`;
    const body =
      c.status === 'fail'
        ? `<failure message="${xml(c.detail)}">${xml(c.detail)}</failure>`
        : c.status === 'inconclusive'
          ? `<skipped message="${xml(undecided)}"/><system-out>${xml(undecided.toUpperCase().slice(0, 12) + undecided.slice(12))}</system-out>`
          : '';
    return `    <testcase classname="tailgate.${xml(report.scenario.name)}" name="${name}">${body}</testcase>`;
  });
  // What every profile received, as properties CI systems show beside the cases: every status, every error.
  const properties = report.profiles.flatMap((p) => [
    ...Object.entries(p.statuses).map(([code, n]) => `      <property name="${xml(`${p.name}.status.${code}`)}" value="${n}"/>`),
    ...Object.entries(failureCounts(p)).map(([code, n]) => `      <property name="${xml(`${p.name}.errors.${code}`)}" value="${n}"/>`),
  ]);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="tailgate" tests="${checks.length}" failures="${failures}" skipped="${skipped}">`,
    `  <testsuite name="${xml(report.scenario.name)}" tests="${checks.length}" failures="${failures}" skipped="${skipped}" timestamp="${xml(report.startedAt)}">`,
    ...(properties.length ? ['    <properties>', ...properties, '    </properties>'] : []),
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** HdrHistogram's percentile distribution (.hgrm), in milliseconds, as HdrHistogram's plotter reads it. */
export function hgrm(p: ProfileReport): string {
  return histogramOf(p, 'latency').outputPercentileDistribution(5, 1000);
}
