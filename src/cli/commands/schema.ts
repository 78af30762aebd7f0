import type { CommandModule } from 'yargs';
import { scenarioJsonSchema } from '../../runner/index.js';
import type { CliIo } from '../io.js';

export function schemaCommand(io: CliIo): CommandModule {
  return {
    command: 'schema',
    describe: 'print the JSON Schema of scenario files (for editors)',
    handler: () => io.out(`${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`),
  };
}
