/** The text renderings of a report: findings for a terminal, Markdown, JUnit XML and .hgrm. */
import Table from 'cli-table3';
import type { Finding, ProfileReport, Report } from '../runner/index.js';
import { fmtCount, fmtCounts, fmtMs, fmtPct } from './format.js';
import type { Check } from './gate.js';
import { histogramOf } from '../metrics/index.js';

const ICON: Record<Finding['severity'], string> = { critical: '✖', warning: '⚠', info: 'ℹ' };

export function findingsText(report: Report): string {
  const out: string[] = [];
  for (const p of report.profiles) {
    for (const f of p.findings) {
      out.push(`${ICON[f.severity]} ${p.name}: ${f.symptom}\n    evidence: ${f.evidence}\n    cause:    ${f.cause}\n    fix:      ${f.fix}`);
    }
  }
  return out.length ? out.join('\n') : 'no findings: nothing in these numbers points at a client misconfiguration';
}

export function checksTable(checks: Check[]): string {
  const table = new Table({ head: ['check', 'profile', 'status', 'detail'], style: { head: [], border: [] } });
  for (const c of checks) table.push([c.expression, c.profile, c.status.toUpperCase(), c.detail]);
  return table.toString();
}

const mdEscape = (s: string) => s.replace(/[|\\`*_[\]<>]/g, (c) => `\\${c}`).replace(/\n/g, ' ');

export function markdownSummary(report: Report, checks: Check[] = []): string {
  const lines = [
    `## tailgate: ${mdEscape(report.scenario.name)}${report.partial ? ' (partial)' : ''}`,
    '',
    `${mdEscape(report.target.kind === 'mock' ? 'embedded mock' : report.target.url)} · ${report.workload.kind} ${mdEscape(report.workload.path)} · ${report.load.model} load · ${report.startedAt}`,
    '',
    '| profile | requests | p50 | p90 | p99 | max | failed | errors | connections opened/reused |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |',
    ...report.profiles.map(
      (p) =>
        `| ${mdEscape(p.name)} | ${fmtCount(p.requests.total)} | ${fmtMs(p.latencyMs?.p50)} | ${fmtMs(p.latencyMs?.p90)} | ${fmtMs(p.latencyMs?.p99)} | ${fmtMs(p.latencyMs?.max)} | ${fmtPct(p.requests.failed, p.requests.total)} | ${mdEscape(fmtCounts(p.errors))} | ${p.connections.opened}/${p.connections.reused} |`,
    ),
  ];
  const findings = report.profiles.flatMap((p) => p.findings.map((f) => ({ p, f })));
  if (findings.length) {
    lines.push('', '### Findings', '');
    for (const { p, f } of findings) lines.push(`- **${mdEscape(p.name)}** ${ICON[f.severity]} ${mdEscape(f.symptom)}. *Cause:* ${mdEscape(f.cause)} *Fix:* ${mdEscape(f.fix)}`);
  }
  if (checks.length) {
    lines.push('', '### Gate', '', '| check | profile | status | detail |', '| --- | --- | --- | --- |');
    for (const c of checks) lines.push(`| \`${c.expression.replace(/`/g, '')}\` | ${mdEscape(c.profile)} | ${c.status === 'fail' ? '❌ fail' : c.status === 'pass' ? '✅ pass' : '➖ inconclusive'} | ${mdEscape(c.detail)} |`);
  }
  return `${lines.join('\n')}\n`;
}

const xml = (s: string) => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] as string);

/** JUnit XML: one test case per gate check, so CI systems show each check. */
export function junitXml(report: Report, checks: Check[]): string {
  const failures = checks.filter((c) => c.status === 'fail').length;
  const skipped = checks.filter((c) => c.status === 'inconclusive').length;
  const cases = checks.map((c) => {
    const name = xml(`${c.profile}: ${c.expression}`);
    const body =
      c.status === 'fail' ? `<failure message="${xml(c.detail)}">${xml(c.detail)}</failure>` : c.status === 'inconclusive' ? `<skipped message="${xml(c.detail)}"/>` : '';
    return `    <testcase classname="tailgate.${xml(report.scenario.name)}" name="${name}">${body}</testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="tailgate" tests="${checks.length}" failures="${failures}" skipped="${skipped}">`,
    `  <testsuite name="${xml(report.scenario.name)}" tests="${checks.length}" failures="${failures}" skipped="${skipped}" timestamp="${xml(report.startedAt)}">`,
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
