import type { CommandModule } from 'yargs';
import { InvalidInputError } from '../../engine/index.js';
import { compareSweeps, compareTable, readReportOrSweep } from '../../report/index.js';
import type { CliIo } from '../io.js';

export function compareCommand(io: CliIo): CommandModule<object, { a: string; b?: string }> {
  return {
    command: 'compare <a> [b]',
    describe: "compare one report's profiles side by side, or the same profiles across two reports (or two sweeps' capacities)",
    builder: (y) =>
      y.positional('a', { type: 'string', demandOption: true, describe: 'a Report JSON (or a sweep JSON)' }).positional('b', { type: 'string', describe: 'a second (later) Report JSON (or sweep JSON)' }) as never,
    handler: async (args) => {
      const a = await readReportOrSweep(args.a);
      const b = args.b ? await readReportOrSweep(args.b) : undefined;
      if (a.sweep && (!b || b.sweep)) return void io.out(`${compareSweeps(a.sweep, b?.sweep ?? undefined)}\n`);
      if (a.report && (!b || b.report)) return void io.out(`${compareTable(a.report, b?.report ?? undefined)}\n`);
      throw new InvalidInputError('arguments', [`${args.a} is ${a.sweep ? 'a sweep' : "a run's report"} and ${args.b} is not: compare two run reports, or two sweeps`]);
    },
  };
}
