import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { checksTable, findingsText, hgrm, junitXml, markdownSummary, readReport, renderHtml, runGate, summaryTable, withFindings, type Check } from '../../report/index.js';
import type { Report } from '../../runner/index.js';
import type { CliIo } from '../io.js';

interface ReportArgs {
  report: string;
  html?: string;
  md?: string;
  junit?: string;
  hgrm?: string;
}

/** Write the requested renderings; the Markdown also goes to $GITHUB_STEP_SUMMARY when it is set. */
export async function writeOutputs(report: Report, checks: Check[], out: { html?: string; md?: string; junit?: string; hgrm?: string }, io: CliIo, env = process.env): Promise<void> {
  const md = markdownSummary(report, checks);
  if (out.html) {
    await writeFile(out.html, renderHtml(report, checks));
    io.out(`html: ${out.html}\n`);
  }
  if (out.md) {
    await writeFile(out.md, md);
    io.out(`markdown: ${out.md}\n`);
  }
  if (out.junit) {
    await writeFile(out.junit, junitXml(report, checks));
    io.out(`junit: ${out.junit}\n`);
  }
  if (out.hgrm) {
    await mkdir(out.hgrm, { recursive: true });
    for (const p of report.profiles) await writeFile(join(out.hgrm, `${p.name}.hgrm`), hgrm(p));
    io.out(`hgrm: ${out.hgrm}/<profile>.hgrm\n`);
  }
  if (env.GITHUB_STEP_SUMMARY) await appendFile(env.GITHUB_STEP_SUMMARY, md);
}

export function reportCommand(io: CliIo): CommandModule<object, ReportArgs> {
  return {
    command: 'report <report>',
    describe: 'render a report: terminal tables and findings, and --html / --md / --junit / --hgrm files',
    builder: (y) =>
      y
        .positional('report', { type: 'string', demandOption: true, describe: 'a Report JSON file' })
        .option('html', { type: 'string', describe: 'write a self-contained HTML report here' })
        .option('md', { type: 'string', describe: 'write a Markdown summary here' })
        .option('junit', { type: 'string', describe: "write JUnit XML of the scenario gate's checks here" })
        .option('hgrm', { type: 'string', describe: 'write a .hgrm percentile distribution per profile into this directory' }) as never,
    handler: async (args) => {
      const report = withFindings(await readReport(args.report));
      const checks = runGate(report, { thresholds: report.gate?.thresholds ?? [], maxRegression: [] });
      io.out(`${summaryTable(report, io.isTTY)}\n\n${findingsText(report)}\n`);
      if (checks.length) io.out(`\n${checksTable(checks)}\n`);
      await writeOutputs(report, checks, args, io);
    },
  };
}
