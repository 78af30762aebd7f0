import type { CommandModule } from 'yargs';
import { InvalidInputError } from '../../engine/index.js';
import { Coordinator, COORDINATOR_TOKEN_ENV, DEFAULT_COORDINATOR_PORT } from '../../runner/index.js';
import { parseDurationS } from '../duration.js';
import { EXIT } from '../exit-codes.js';
import { finishRun, mergeCoordinated } from '../finish-run.js';
import type { CliIo } from '../io.js';
import { SHARD_INDEX } from '../../report/index.js';
import { PORT, problemsOf } from '../../util/schema.js';
import { prepareOutDir } from '../output-files.js';

interface CoordinateArgs {
  shards: number;
  host: string;
  port: number;
  out: string;
  md?: string;
  'checkin-timeout': string;
  'shard-timeout': string;
  lead: string;
}

/** How far ahead of the release each step starts: time for the answer to reach every machine. */
const DEFAULT_LEAD = '3s';

export function coordinateCommand(io: CliIo, setExit: (code: number) => void, interrupted: () => Promise<void>): CommandModule<object, CoordinateArgs> {
  return {
    command: 'coordinate',
    describe: 'start the shards of a distributed run together, collect their reports, merge, gate (the exit code is the verdict)',
    builder: (y) =>
      y
        .option('shards', { type: 'number', demandOption: true, describe: 'how many shards (tailgate run --shard i/N --coordinator URL) take part' })
        .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to listen on (0.0.0.0 for other machines)' })
        .option('port', { type: 'number', default: DEFAULT_COORDINATOR_PORT, describe: 'port to listen on' })
        .option('out', { type: 'string', default: 'reports', describe: 'directory for the merged report' })
        .option('md', { type: 'string', nargs: 1, describe: 'also the Markdown summary: a file, or - for stdout (a pod log)' })
        .option('checkin-timeout', { type: 'string', default: '120s', describe: 'shards not checked in by then are missing; the run starts without them' })
        .option('shard-timeout', { type: 'string', default: '30s', describe: 'a shard silent this long is missing; the run goes on without it' })
        .option('lead', { type: 'string', default: DEFAULT_LEAD, describe: 'each step starts this long after every shard is ready' }) as never,
    handler: async (args) => {
      const problems: string[] = [];
      problems.push(...problemsOf(SHARD_INDEX, args.shards, '--shards'));
      problems.push(...problemsOf(PORT, args.port, '--port'));
      const checkInTimeoutMs = parseDurationS(args['checkin-timeout'], '--checkin-timeout') * 1000;
      const shardTimeoutMs = parseDurationS(args['shard-timeout'], '--shard-timeout') * 1000;
      const leadMs = parseDurationS(args.lead, '--lead') * 1000;
      if (problems.length) throw new InvalidInputError('arguments', problems);
      await prepareOutDir(args.out, '--out');
      const log = (line: string) => io.err(`${line}\n`);
      const token = process.env[COORDINATOR_TOKEN_ENV] || undefined;
      const coordinator = await Coordinator.start({ shards: args.shards, host: args.host, port: args.port, checkInTimeoutMs, shardTimeoutMs, leadMs, log, ...(token ? { token } : {}) });
      if (token) io.err(`shards must present the token in ${COORDINATOR_TOKEN_ENV}\n`);
      else if (args.host !== '127.0.0.1' && args.host !== 'localhost') io.err(`anyone who reaches ${coordinator.url} can post a report: set ${COORDINATOR_TOKEN_ENV} here and on the shards to require a shared token\n`);
      io.err(`tailgate coordinate: waiting for ${args.shards} shard(s) at ${coordinator.url} (tailgate run SCENARIO --shard i/${args.shards} --coordinator ${coordinator.url})\n`);
      io.err(`run id ${coordinator.runId}: the run_id label of the shards' live series and the merged report's runId\n`);
      // Ctrl+C: the shards are told nothing (each has its own Ctrl+C); what has reported is merged now.
      void interrupted().then(() => void coordinator.close());
      const run = await coordinator.done();
      await coordinator.close();
      const report = mergeCoordinated(run, 'coordinated', io);
      if (!report) return setExit(EXIT.couldNotRun);
      await finishRun(report, io, { out: args.out, ...(args.md ? { md: args.md } : {}), setExit });
    },
  };
}
