/**
 * The renderings a command writes (HTML, Markdown, JUnit, .hgrm), shared by run, report and gate, and
 * the two rules every output file follows: its folder is checked first, and it is written whole or not
 * at all (output-files.ts).
 */
import { appendFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { allFailedText, checksTable, definitionsTable, distributionText, findingsText, hgrm, junitXml, markdownSummary, renderHtml, streamTable, summaryTable, sweepHtml, sweepMarkdown, sweepText, verificationText, type Check, type SweepFile } from '../report/index.js';
import type { Report } from '../runner/index.js';
import type { CliIo } from './io.js';
import { prepareOutDir, writeOutputFile } from './output-files.js';

/** What a run or a report says on the terminal: how it was distributed, the tables, findings, and the checks. */
export function printSummary(report: Report, checks: Check[], io: CliIo): void {
  const distributed = distributionText(report);
  const definitions = definitionsTable(report, io.isTTY);
  const streams = `${streamTable(report, io.isTTY)}${definitions ? `\n${definitions}` : ''}`;
  const allFailed = allFailedText(report);
  const verified = verificationText(report, io.isTTY);
  io.out(`${distributed ? `${distributed}\n` : ''}${summaryTable(report, io.isTTY)}\n${streams ? `${streams}\n` : ''}${allFailed ? `${allFailed}\n` : ''}\n${findingsText(report)}\n`);
  if (verified) io.out(`\nfixes verified by rerunning each flagged profile with its findings' changes:\n${verified}`);
  if (checks.length) io.out(`\n${checksTable(checks)}\n`);
}

/** Write the requested renderings; the Markdown also goes to $GITHUB_STEP_SUMMARY when it is set. */
export async function writeOutputs(report: Report, checks: Check[], out: { html?: string; md?: string; junit?: string; hgrm?: string }, io: CliIo, env = process.env): Promise<void> {
  const md = markdownSummary(report, checks);
  for (const [flag, path] of [['--html', out.html], ['--md', out.md], ['--junit', out.junit]] as const) if (path) await prepareOutDir(dirname(path), flag);
  if (out.html) {
    await writeOutputFile(out.html, renderHtml(report, checks));
    io.out(`html: ${out.html}\n`);
  }
  if (out.md) {
    await writeOutputFile(out.md, md);
    io.out(`markdown: ${out.md}\n`);
  }
  if (out.junit) {
    await writeOutputFile(out.junit, junitXml(report, checks));
    io.out(`junit: ${out.junit}\n`);
  }
  if (out.hgrm) {
    await prepareOutDir(out.hgrm, '--hgrm');
    const used = new Set<string>();
    for (const p of report.profiles) await writeOutputFile(join(out.hgrm, uniqueFileName(p.name, used, '.hgrm')), hgrm(p));
    io.out(`hgrm: ${out.hgrm}/<profile>.hgrm\n`);
  }
  if (env.GITHUB_STEP_SUMMARY) await appendFile(env.GITHUB_STEP_SUMMARY, md);
}

/** A sweep's renderings: its table on the terminal, --html (the chart and the table) and --md. */
export async function writeSweepOutputs(sweep: SweepFile, out: { html?: string; md?: string }, io: CliIo, env = process.env): Promise<void> {
  io.out(sweepText(sweep, io.isTTY));
  const md = sweepMarkdown(sweep);
  for (const [flag, path] of [['--html', out.html], ['--md', out.md]] as const) if (path) await prepareOutDir(dirname(path), flag);
  if (out.html) {
    await writeOutputFile(out.html, sweepHtml(sweep));
    io.out(`html: ${out.html}\n`);
  }
  if (out.md) {
    await writeOutputFile(out.md, md);
    io.out(`markdown: ${out.md}\n`);
  }
  if (env.GITHUB_STEP_SUMMARY) await appendFile(env.GITHUB_STEP_SUMMARY, md);
}

/**
 * A file name from a profile name that came from a report (anyone's): only letters, digits, `.`, `_`
 * and `-`, never `.` or `..`, so a crafted name cannot write outside the folder; distinct per report.
 */
export function uniqueFileName(name: string, used: Set<string>, ext: string): string {
  const base = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_').slice(0, 100) || '_';
  let candidate = base;
  for (let i = 2; used.has(candidate); i++) candidate = `${base}-${i}`;
  used.add(candidate);
  return `${candidate}${ext}`;
}

