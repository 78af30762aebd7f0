import type { CommandModule } from 'yargs';
import { mergeReports, readReport, summaryTable } from '../../report/index.js';
import type { CliIo } from '../io.js';
import { writeOutputFile } from '../output-files.js';

export function mergeCommand(io: CliIo): CommandModule<object, { shards: string[]; o: string }> {
  return {
    command: 'merge <shards..>',
    describe: 'merge the reports of a sharded run (tailgate run --shard i/N) into one',
    builder: (y) =>
      y
        .positional('shards', { type: 'string', array: true, demandOption: true, describe: 'shard reports' })
        .option('o', { alias: 'out', type: 'string', demandOption: true, describe: 'the merged report to write' }) as never,
    handler: async (args) => {
      const reports = await Promise.all(args.shards.map((f) => readReport(f)));
      const merged = mergeReports(reports);
      await writeOutputFile(args.o, `${JSON.stringify(merged, null, 2)}\n`);
      io.out(`${summaryTable(merged, io.isTTY)}\nmerged ${reports.length} report(s)${merged.partial ? ' (partial: a shard is missing or was stopped)' : ''}: ${args.o}\n`);
    },
  };
}
