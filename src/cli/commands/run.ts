import type { CommandModule } from 'yargs';
import { InvalidInputError, redactUrl, targetUrlProblem } from '../../engine/index.js';
import { progressLine, withFindings } from '../../report/index.js';
import { autoWorkers, checkRepeat, COORDINATOR_TOKEN_ENV, checkWorkers, loadScenario, parseShard, RATE, selectProfiles, runCoordinatedShard, runRepeated, runWorkers, TargetUnreachableError, type Progress, type Shard } from '../../runner/index.js';
import { METRIC_DEFINITIONS, type MetricDefinitions } from '../../metrics/index.js';
import { BUCKET_BOUNDS_US } from '../../export/index.js';
import { exportConfigOf, startExport, withExportFlags, type ExportArgs } from '../export-flags.js';
import { finishRun, mergeCoordinated } from '../finish-run.js';
import { parseDurationS } from '../duration.js';
import { EXIT } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { scenarioPath } from '../paths.js';
import { prepareOutDir } from '../output-files.js';
import { verifyFixes } from '../verify-fixes.js';
import { problemsOf } from '../../util/schema.js';

interface RunArgs extends ExportArgs {
  scenario?: string;
  target?: string;
  profile?: string;
  rate?: number;
  duration?: string;
  out: string;
  grace: string;
  shard?: string;
  coordinator?: string;
  workers?: number;
  repeat: number;
  verifyFixes?: boolean;
  'metric-definitions'?: MetricDefinitions;
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
      withExportFlags(y, true)
        .positional('scenario', { type: 'string', describe: 'scenario file, or a bundled scenario name' })
        .option('target', { type: 'string', describe: 'a real endpoint URL instead of the embedded mock' })
        .option('profile', { type: 'string', describe: 'only these profiles, comma-separated' })
        .option('rate', { type: 'number', describe: 'override the open-model rate (requests/s)' })
        .option('duration', { type: 'string', describe: 'override the duration (30s, 2m)' })
        .option('out', { type: 'string', default: 'reports', describe: 'directory for the report JSON' })
        .option('shard', { type: 'string', describe: 'i/N: send this machine’s share of the load (with --coordinator, started with the others; else merge the reports with tailgate merge)' })
        .option('coordinator', { type: 'string', describe: 'URL of `tailgate coordinate`: check in, start with the other shards, post the report there' })
        .option('workers', { type: 'number', describe: 'run as N processes on this machine (one embedded mock for all); default: more than 1 only when the rate needs it' })
        .option('metric-definitions', { type: 'string', choices: METRIC_DEFINITIONS, describe: "what TTFT, ITL and TPOT mean (docs/metrics.md): tailgate's, or vLLM's benchmark's or genai-perf's, to set beside theirs; overrides the scenario's metricDefinitions" })
        .option('repeat', { type: 'number', default: 1, describe: 'run the scenario N times into one report: the gate then measures the spread between runs' })
        .option('verify-fixes', { type: 'boolean', describe: "rerun each profile with findings with their fixes applied, and show each finding's measure before and after" })
        .option('grace', { type: 'string', default: '10s', describe: 'after the load (or Ctrl+C), how long in-flight requests may finish before they are abandoned (counted as failed)' }) as never,
    handler: async (args) => {
      const { durationS, graceMs, shard } = checkArgs(args);
      const exportConfig = exportConfigOf(args);
      const file = scenarioPath(args.scenario);
      const scenario = await loadScenario(file);
      await prepareOutDir(args.out, '--out');
      const live = await startExport(exportConfig, io);
      const profiles = args.profile?.split(',').map((s) => s.trim()).filter(Boolean);
      const options = {
        ...(profiles ? { profiles } : {}),
        ...(args.target ? { target: args.target } : {}),
        ...(args.rate !== undefined ? { rate: args.rate } : {}),
        ...(durationS !== undefined ? { durationS } : {}),
        ...(args['metric-definitions'] ? { metricDefinitions: args['metric-definitions'] } : {}),
        graceMs,
        ...(live ? { live: { boundsUs: BUCKET_BOUNDS_US, onSample: live.onSample } } : {}),
      };
      const workers = args.workers ?? (shard || args.repeat > 1 || args.verifyFixes ? 1 : autoWorkers(scenario.load, args.rate, !(args.target ?? scenario.target.url)));
      const { stop, hurry } = watchStops(io, hooks, args.grace);
      const progress = progressPrinter(io);
      const running = { signal: stop.signal, hurry: hurry.signal };
      io.out(`tailgate run ${scenario.name}: ${selectProfiles(scenario, profiles).length} profile(s) against ${redactUrl(args.target ?? scenario.target.url ?? 'the embedded mock')}\n`);
      if (args.workers === undefined && workers > 1) io.out(`using ${workers} worker processes: the rate needs more than one core (--workers 1 keeps one)\n`);
      try {
        if (workers > 1) {
          const run = await runWorkers(scenario, { ...options, ...running, workers, onProgress: (ps) => progress(combineProgress(ps)), log: (line) => io.err(`${line}\n`) });
          if (io.isTTY) io.out('\r\x1b[2K');
          const report = mergeCoordinated(run, 'workers', io, { target: run.target, servers: run.servers });
          if (!report) return hooks.setExit(EXIT.couldNotRun);
          return await finishRun(report, io, { out: args.out, setExit: hooks.setExit });
        }
        if (args.coordinator && shard) {
          const token = process.env[COORDINATOR_TOKEN_ENV];
          const { report, undelivered } = await runCoordinatedShard(scenario, { ...options, ...running, shard, coordinator: args.coordinator, ...(token ? { token } : {}), onProgress: progress });
          if (io.isTTY) io.out('\r\x1b[2K');
          await finishRun(withFindings(report), io, { out: args.out, suffix: shardSuffix(shard), gate: false, setExit: hooks.setExit });
          io.out(undelivered ? `the report did not reach the coordinator: ${undelivered}\n` : `report delivered to the coordinator at ${redactUrl(args.coordinator)}: its exit code is the run's verdict\n`);
          return hooks.setExit(undelivered ? EXIT.couldNotRun : EXIT.ok);
        }
        const measured = await runRepeated(scenario, { ...options, ...running, ...(shard ? { shard } : {}), onProgress: progress }, args.repeat, (i) => args.repeat > 1 && io.out(`${io.isTTY ? '\r\x1b[2K' : ''}run ${i + 1} of ${args.repeat}\n`));
        const report = withFindings(measured);
        if (args.verifyFixes && !report.partial) {
          io.out(`${io.isTTY ? '\r\x1b[2K' : ''}verifying fixes: rerunning each profile with findings, its fixes applied\n`);
          const { profiles: _only, ...same } = options;
          report.verification = await verifyFixes(report, scenario, { ...same, ...running, onProgress: progress });
        }
        if (io.isTTY) io.out('\r\x1b[2K');
        await finishRun(report, io, { out: args.out, ...(shard ? { suffix: shardSuffix(shard) } : {}), setExit: hooks.setExit });
      } catch (err) {
        if (!(err instanceof TargetUnreachableError)) throw err;
        io.err(`tailgate: ${err.message}\nNothing was measured. Check the URL, that the server is up, and any proxy or firewall.\n`);
        hooks.setExit(EXIT.couldNotRun);
      } finally {
        // After the report is written: the final push, then the scrape endpoint's linger (Ctrl+C ends it).
        await live?.close(stop.signal);
      }
    },
  };
}

/** Everything about the arguments that can be wrong, found before the scenario is even read. */
function checkArgs(args: RunArgs): { durationS: number | undefined; graceMs: number; shard: Shard | undefined } {
  const problems: string[] = [];
  if (args.rate !== undefined) problems.push(...problemsOf(RATE, args.rate, '--rate'));
  const targetProblem = args.target === undefined ? null : targetUrlProblem('--target', args.target);
  if (targetProblem) problems.push(targetProblem);
  if (args.coordinator !== undefined) {
    if (args.shard === undefined) problems.push('--coordinator needs --shard i/N: which share of the load this process sends');
    const coordinatorProblem = targetUrlProblem('--coordinator', args.coordinator);
    if (coordinatorProblem) problems.push(coordinatorProblem);
  }
  if (args.workers !== undefined) {
    if (args.shard !== undefined) problems.push('--workers and --shard do not go together: --workers makes its own shards (run it on one machine, or coordinate machines with --shard and --coordinator)');
    if (args.repeat > 1 && args.workers > 1) problems.push('--workers and --repeat do not go together yet: repeat the whole command instead, and give the gate the reports as --baseline');
  }
  if (args.repeat > 1 && args.coordinator !== undefined) problems.push('--coordinator and --repeat do not go together yet');
  if (args.verifyFixes && (args.workers !== undefined || args.shard !== undefined || args.repeat > 1)) problems.push('--verify-fixes reruns profiles in this one process: not with --workers, --shard or --repeat');
  if (problems.length) throw new InvalidInputError('arguments', problems);
  if (args.workers !== undefined) checkWorkers(args.workers);
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

const shardSuffix = (shard: Shard) => `-shard-${shard.index}-of-${shard.count}`;

/** Live progress of several processes as one line: their rates and in-flight requests add, the worst p99 shows. */
function combineProgress(ps: Progress[]): Progress {
  const [first] = ps;
  if (!first) return { profile: '', phase: 'run', elapsedS: 0, rps: 0, p99Ms: null, errors: 0, inFlight: 0 };
  const p99s = ps.map((p) => p.p99Ms).filter((v): v is number => v !== null);
  return {
    ...first,
    elapsedS: Math.max(...ps.map((p) => p.elapsedS)),
    rps: ps.reduce((t, p) => t + p.rps, 0),
    p99Ms: p99s.length ? Math.max(...p99s) : null,
    errors: ps.reduce((t, p) => t + p.errors, 0),
    inFlight: ps.reduce((t, p) => t + p.inFlight, 0),
  };
}
