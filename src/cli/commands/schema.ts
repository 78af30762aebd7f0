import type { CommandModule } from 'yargs';
import { CLIENT_CONFIG_INPUT } from '../../engine/index.js';
import { reportJsonSchema, sweepJsonSchema } from '../../report/index.js';
import { scenarioJsonSchema, TRACE_LINE } from '../../runner/index.js';
import { jsonSchema } from '../../util/schema.js';
import type { CliIo } from '../io.js';

/** Each contract a user writes by hand, as the JSON Schema of its one declaration. */
const SCHEMAS = {
  scenario: scenarioJsonSchema,
  'client-config': () => jsonSchema(CLIENT_CONFIG_INPUT, { title: 'tailgate client config (a profile’s client options, the engine’s config)' }),
  'trace-line': () => jsonSchema(TRACE_LINE, { title: 'tailgate trace line (one line of a load.model: trace JSONL file)' }),
  /** Not written by hand, but read by users' scripts: scenarios/report.schema.json. */
  report: reportJsonSchema,
  /** Read by users' scripts too: what `tailgate sweep` writes. */
  sweep: sweepJsonSchema,
};

export function schemaCommand(io: CliIo): CommandModule<object, { of: keyof typeof SCHEMAS }> {
  return {
    command: 'schema [of]',
    describe: 'print the JSON Schema of scenario files (for editors), or of a client config, a trace line, a report or a sweep file',
    builder: (y) => y.positional('of', { choices: Object.keys(SCHEMAS), default: 'scenario', describe: 'which contract' }) as never,
    handler: (args) => io.out(`${JSON.stringify(SCHEMAS[args.of](), null, 2)}\n`),
  };
}
