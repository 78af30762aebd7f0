import type { CommandModule } from 'yargs';
import { InvalidInputError } from '../../engine/index.js';
import { metricDefinitionsOf as definitionsOf } from '../../runner/index.js';
import { checksTable, gateFailed, gateVerdictText, readReport, runGate } from '../../report/index.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { writeOutputs } from '../outputs.js';

interface GateArgs {
  report: string;
  baseline?: string[];
  threshold?: string[];
  'max-regression'?: string[];
  'min-samples'?: number;
  strict: boolean;
  junit?: string;
  md?: string;
}

export function gateCommand(io: CliIo, setExit: (code: number) => void): CommandModule<object, GateArgs> {
  return {
    command: 'gate <report>',
    describe: 'check a report against thresholds and a baseline; exit 1 when a check fails beyond noise',
    builder: (y) =>
      y
        .positional('report', { type: 'string', demandOption: true })
        .option('baseline', { type: 'string', array: true, describe: 'the Report JSON to compare against; give it several times (or a --repeat report) and the spread between runs is the noise' })
        .option('threshold', { type: 'string', array: true, describe: "e.g. 'p(99)<300ms', 'error_rate<1%', 'ttfb.p(99)<100ms', 'p(99)<300ms over 10s' (repeatable)" })
        .option('max-regression', { type: 'string', array: true, describe: "e.g. 'p(99)=10%' (relative), 'p(99)=5ms' (absolute), 'error_rate=0.5%' (points); repeatable, needs --baseline" })
        .option('min-samples', { type: 'number', describe: 'judge no check with fewer samples than this (off: each verdict comes from its confidence interval, which already says what few samples can show)' })
        .option('strict', { type: 'boolean', default: false, describe: 'fail (exit 1) when a check is inconclusive' })
        .option('junit', { type: 'string', describe: 'write the checks as JUnit XML here' })
        .option('md', { type: 'string', describe: 'write a Markdown summary with the checks here' })
        .epilogue('Each check is decided by a 95% confidence interval: fail when it lies beyond the limit, pass when within, inconclusive when it straddles (said in words, with what would decide it). Exit codes: 0 every check passed or was inconclusive; 1 a check failed (or, with --strict, was inconclusive); 2 invalid input.') as never,
    handler: async (args) => {
      const report = await readReport(args.report);
      const baseline = args.baseline?.length ? await Promise.all(args.baseline.map(readReport)) : undefined;
      const other = baseline?.find((b) => definitionsOf(b) !== definitionsOf(report));
      if (other && [report, other].some((r) => r.profiles.some((p) => p.streamMetrics))) {
        throw new InvalidInputError('--baseline', [
          `the baseline times streams by ${definitionsOf(other)}'s definitions and this report by ${definitionsOf(report)}'s: their ttft, itl, tpot and goodput mean different things (docs/metrics.md). Run both with the same --metric-definitions.`,
        ]);
      }
      const thresholds = [...(args.threshold ?? []), ...(args.threshold?.length ? [] : (report.gate?.thresholds ?? []))];
      const maxRegression = [...(args['max-regression'] ?? []), ...(args['max-regression']?.length ? [] : baseline ? (report.gate?.maxRegression ?? []) : [])];
      const checks = runGate(report, { thresholds, maxRegression, ...(baseline ? { baseline } : {}), ...(args['min-samples'] !== undefined ? { minSamples: args['min-samples'] } : {}) });
      if (checks.length === 0) io.out('no checks: give --threshold or --max-regression (or a scenario gate section)\n');
      else io.out(`${checksTable(checks)}\n${gateVerdictText(checks, args.strict)}\n`);
      const failed = gateFailed(checks, args.strict);
      await writeOutputs(report, checks, { ...(args.junit ? { junit: args.junit } : {}), ...(args.md ? { md: args.md } : {}) }, io);
      setExit(failed ? EXIT.failed : EXIT.ok);
    },
  };
}
