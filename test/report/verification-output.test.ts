/**
 * A report's verification (`run --verify-fixes`) is anyone's text once written: checked on read, each
 * problem by path, and escaped in every rendering.
 */
import { describe, expect, it } from 'vitest';
import { judgeFixes, markdownSummary, renderHtml, reportProblems, verificationText, withFindings } from '../../src/report/index.js';
import type { Report } from '../../src/runner/index.js';
import { resolveConfig } from '../../src/index.js';
import { syntheticProfile, syntheticReport } from '../helpers/synthetic-report.js';

const FIXED = { dist: 'fixed' as const, ms: 20 };

function withVerification(name: string): Report {
  // A read timeout of 20 minutes for 20 ms answers: a finding with a change (timeouts-too-long).
  const config = resolveConfig({ preset: 'httpx', timeouts: { read: 1_200_000 } }, { env: {} });
  const report = withFindings(syntheticReport([syntheticProfile(name, FIXED, 2000, 1, 0, { config })]));
  const p = report.profiles[0]!;
  return { ...report, verification: [{ ...judgeFixes(p, p), settings: { 'pool.keepAliveMs': '<img src=x>' } }] };
}

describe('a verification in a report', () => {
  it('is checked on read: a measure nobody knows, or a finding that is not one, is named by its path', () => {
    const good = withVerification('fine');
    expect(reportProblems(JSON.parse(JSON.stringify(good)))).toEqual([]);
    const bad = { ...good, verification: [{ ...good.verification![0]!, findings: [{ id: 'x', metric: 'made_up', before: 1, after: 0.5 }], newFindings: [{ id: 1 }] }] };
    expect(reportProblems(bad).sort()).toEqual([
      'verification[0].findings[0].improved is required',
      'verification[0].findings[0].resolved is required',
      'verification[0].findings[0].severity is required',
      'verification[0].newFindings[0].id must be a string, got 1',
      'verification[0].newFindings[0].severity is required',
      'verification[0].newFindings[0].symptom is required',
    ]);
    // A finding of the right shape whose measure nobody knows: only code can tell.
    const unknown = { ...good, verification: [{ ...good.verification![0]!, findings: [{ ...good.verification![0]!.findings[0]!, metric: 'made_up' }] }] };
    expect(reportProblems(unknown)).toEqual(['verification[0].findings[0].metric is not a known measure, got "made_up"']);
    expect(reportProblems({ ...good, verification: 'yes' })).toEqual(['verification must be a list, got "yes"']);
  });

  it('is escaped in the terminal, Markdown and HTML', () => {
    const report = withVerification('\u001b[31mred\u001b[0m|<b>');
    expect(report.verification![0]!.findings.length).toBeGreaterThan(0);
    const text = verificationText(report);
    expect(text).toContain('not verified');
    expect(text).not.toContain('\u001b[31m');
    const md = markdownSummary(report);
    expect(md).toContain('Fixes verified by rerunning');
    expect(md).not.toMatch(/(^|[^\\])<img/);
    expect(md).toContain('\\<img');
    const html = renderHtml(report);
    expect(html).not.toContain('<img src=x>');
    expect(html).toContain('&lt;img src=x&gt;');
  });
});
