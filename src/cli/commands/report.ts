import type { CommandModule } from 'yargs';
import { readReport, runGate, withFindings } from '../../report/index.js';
import type { CliIo } from '../io.js';
import { printSummary, writeOutputs } from '../outputs.js';

interface ReportArgs {
  report: string;
  html?: string;
  md?: string;
  junit?: string;
  hgrm?: string;
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
      printSummary(report, checks, io);
      await writeOutputs(report, checks, args, io);
    },
  };
}
