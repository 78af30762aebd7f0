import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { InvalidInputError, redactUrl, targetUrlProblem } from '../../engine/index.js';
import { allFailedText, checksTable, findingsText, gateFailed, progressLine, runGate, streamTable, summaryTable, withFindings } from '../../report/index.js';
import { uniqueFileName, writeOutputs } from '../outputs.js';
import { checkRepeat, loadScenario, MAX_RATE, parseShard, runRepeated, TargetUnreachableError, type Progress, type Report, type Shard } from '../../runner/index.js';
import { parseDurationS } from '../duration.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { scenarioPath } from '../paths.js';
import { prepareOutDir, writeOutputFile } from '../output-files.js';

interface RunArgs {
  scenario?: string;
  target?: string;
  profile?: string;
  rate?: number;
  duration?: string;
  out: string;
  grace: string;
  shard?: string;
  repeat: number;
}

export interface RunHooks {
  /** Resolves on Ctrl+C / SIGTERM (the first one stops the load gracefully). */
  interrupted(): Promise<void>;
  /** Resolves on the second: abandon what is in flight now. */
  interruptedAgain(): Promise<void>;
  setExit(code: number): void;
}

export function runCommand(io: CliIo, hooks: RunHooks): CommandModule<object, RunArgs> {
  return {
    command: 'run [scenario]',
    describe: 'run a scenario (default: the bundled quickstart) against the embedded mock or --target',
    builder: (y) =>
      y
        .positional('scenario', { type: 'string', describe: 'scenario file, or a bundled scenario name' })
        .option('target', { type: 'string', describe: 'a real endpoint URL instead of the embedded mock' })
        .option('profile', { type: 'string', describe: 'only these profiles, comma-separated' })
        .option('rate', { type: 'number', describe: 'override the open-model rate (requests/s)' })
        .option('duration', { type: 'string', describe: 'override the duration (30s, 2m)' })
        .option('out', { type: 'string', default: 'reports', describe: 'directory for the report JSON' })
        .option('shard', { type: 'string', describe: 'i/N: send this machine’s share of the load; merge the reports with tailgate merge' })
        .option('repeat', { type: 'number', default: 1, describe: 'run the scenario N times into one report: the gate then measures the spread between runs' })
        .option('grace', { type: 'string', default: '10s', describe: 'after the load (or Ctrl+C), how long in-flight requests may finish before they are abandoned (counted as failed)' }) as never,
    handler: async (args) => {
      const { durationS, graceMs, shard } = checkArgs(args);
      const scenario = await loadScenario(scenarioPath(args.scenario));
      await prepareOutDir(args.out, '--out');
      const profiles = args.profile?.split(',').map((s) => s.trim()).filter(Boolean);
      const { stop, hurry } = watchStops(io, hooks, args.grace);
      io.out(`tailgate run ${scenario.name}: ${scenario.profiles.length} profile(s) against ${redactUrl(args.target ?? scenario.target.url ?? 'the embedded mock')}\n`);
      let report: Report;
      try {
        report = await runRepeated(
          scenario,
          {
            ...(profiles ? { profiles } : {}),
            ...(args.target ? { target: args.target } : {}),
            ...(args.rate !== undefined ? { rate: args.rate } : {}),
            ...(durationS !== undefined ? { durationS } : {}),
            ...(shard ? { shard } : {}),
            signal: stop.signal,
            hurry: hurry.signal,
            graceMs,
            onProgress: progressPrinter(io),
          },
          args.repeat,
          (i) => args.repeat > 1 && io.out(`${io.isTTY ? '\r\x1b[2K' : ''}run ${i + 1} of ${args.repeat}\n`),
        );
      } catch (err) {
        if (!(err instanceof TargetUnreachableError)) throw err;
        io.err(`tailgate: ${err.message}\nNothing was measured. Check the URL, that the server is up, and any proxy or firewall.\n`);
        hooks.setExit(EXIT.couldNotRun);
        return;
      }
      if (io.isTTY) io.out('\r\x1b[2K');
      await finish(withFindings(report), args.out, shard, io, hooks);
    },
  };
}

/** Everything about the arguments that can be wrong, found before the scenario is even read. */
function checkArgs(args: RunArgs): { durationS: number | undefined; graceMs: number; shard: Shard | undefined } {
  const problems: string[] = [];
  if (args.rate !== undefined && (!Number.isFinite(args.rate) || args.rate <= 0 || args.rate > MAX_RATE)) problems.push(`--rate must be a number in (0, ${MAX_RATE}], got ${args.rate}`);
  const targetProblem = args.target === undefined ? null : targetUrlProblem('--target', args.target);
  if (targetProblem) problems.push(targetProblem);
  if (problems.length) throw new InvalidInputError('arguments', problems);
  checkRepeat(args.repeat);
  return {
    durationS: args.duration === undefined ? undefined : parseDurationS(args.duration, '--duration'),
    graceMs: parseDurationS(args.grace, '--grace') * 1000,
    shard: args.shard === undefined ? undefined : parseShard(args.shard),
  };
}

/** The first Ctrl+C stops the load (the grace follows); the second abandons what is in flight. */
function watchStops(io: CliIo, hooks: RunHooks, grace: string): { stop: AbortController; hurry: AbortController } {
  const stop = new AbortController();
  const hurry = new AbortController();
  void hooks.interrupted().then(() => {
    io.err(`\nstopping: in-flight requests get ${grace} to finish, then the partial report is written (Ctrl+C again: abandon them now)\n`);
    stop.abort();
  });
  void hooks.interruptedAgain().then(() => {
    io.err('\nabandoning the requests in flight now; the partial report is still written (a third Ctrl+C quits without it)\n');
    hurry.abort();
  });
  return { stop, hurry };
}

/** Live progress: one rewritten line on a terminal, a line every 5 s in a pipe. */
function progressPrinter(io: CliIo): (p: Progress) => void {
  let lastPlain = 0;
  return (p) => {
    if (io.isTTY) io.out(`\r\x1b[2K${progressLine(p)}`);
    else if (p.elapsedS - lastPlain >= 5 || p.elapsedS < lastPlain) {
      lastPlain = p.elapsedS;
      io.out(`${progressLine(p)}\n`);
    }
  };
}

/** Print, write the report and its HTML, and set the exit code: what the run means for CI. */
async function finish(report: Report, out: string, shard: Shard | undefined, io: CliIo, hooks: RunHooks): Promise<void> {
  const checks = runGate(report, { thresholds: report.gate.thresholds, maxRegression: [] });
  const allFailed = allFailedText(report);
  const streams = streamTable(report, io.isTTY);
      io.out(`${summaryTable(report, io.isTTY)}\n${streams ? `${streams}\n` : ''}${allFailed ? `${allFailed}\n` : ''}\n${findingsText(report)}\n`);
  if (checks.length) io.out(`\n${checksTable(checks)}\n`);
  const name = uniqueFileName(`${report.scenario.name}-${report.startedAt.replace(/[:.]/g, '-')}${shard ? `-shard-${shard.index}-of-${shard.count}` : ''}`, new Set(), '');
  const base = join(out, name);
  await writeOutputFile(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  io.out(`${report.partial ? 'partial report (stopped early)' : 'report'}: ${base}.json\n`);
  await writeOutputs(report, checks, { html: `${base}.html` }, io);
  if (report.stoppedBy) {
    io.out(`stopped early: ${report.stoppedBy.profile} lost the abortOnFail threshold ${report.stoppedBy.threshold} (${report.stoppedBy.detail})\n`);
    hooks.setExit(EXIT.failed);
  } else if (report.partial) hooks.setExit(EXIT.couldNotRun);
  else if (gateFailed(checks)) hooks.setExit(EXIT.failed);
}
