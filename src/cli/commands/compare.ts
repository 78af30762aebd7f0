import type { CommandModule } from 'yargs';
import { compareTable, readReport } from '../../report/index.js';
import type { CliIo } from '../io.js';

export function compareCommand(io: CliIo): CommandModule<object, { a: string; b?: string }> {
  return {
    command: 'compare <a> [b]',
    describe: "compare one report's profiles side by side, or the same profiles across two reports",
    builder: (y) =>
      y.positional('a', { type: 'string', demandOption: true, describe: 'a Report JSON' }).positional('b', { type: 'string', describe: 'a second (later) Report JSON' }) as never,
    handler: async (args) => {
      const a = await readReport(args.a);
      const b = args.b ? await readReport(args.b) : undefined;
      io.out(`${compareTable(a, b)}\n`);
    },
  };
}
