import type { CommandModule } from 'yargs';
import { InvalidInputError } from '../../engine/index.js';
import { readReportOrSweep, runGate, withFindings } from '../../report/index.js';
import type { CliIo } from '../io.js';
import { printSummary, writeOutputs, writeSweepOutputs } from '../outputs.js';

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
    describe: 'render a report (or a sweep): terminal tables and findings, and --html / --md / --junit / --hgrm files',
    builder: (y) =>
      y
        .positional('report', { type: 'string', demandOption: true, describe: 'a Report JSON file, or the JSON tailgate sweep writes' })
        .option('html', { type: 'string', describe: 'write a self-contained HTML report here' })
        .option('md', { type: 'string', describe: 'write a Markdown summary here' })
        .option('junit', { type: 'string', describe: "write JUnit XML of the scenario gate's checks here" })
        .option('hgrm', { type: 'string', describe: 'write a .hgrm percentile distribution per profile into this directory' }) as never,
    handler: async (args) => {
      const read = await readReportOrSweep(args.report);
      if (read.sweep) {
        const unfit = (['junit', 'hgrm'] as const).filter((f) => args[f] !== undefined).map((f) => `--${f} needs a run's report: a sweep has no gate checks or latency histograms of its own`);
        if (unfit.length) throw new InvalidInputError('arguments', unfit);
        return writeSweepOutputs(read.sweep, args, io);
      }
      const report = withFindings(read.report);
      const checks = runGate(report, { thresholds: report.gate?.thresholds ?? [], maxRegression: [] });
      printSummary(report, checks, io);
      await writeOutputs(report, checks, args, io);
    },
  };
}
