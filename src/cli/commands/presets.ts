import type { CommandModule } from 'yargs';
import { CLIENT_CONFIG, CLIENT_CONFIG_INPUT, PRESETS, PRESET_NAMES, type TimeoutConfig } from '../../engine/index.js';
import { ruleOf } from '../../util/schema.js';
import type { CliIo } from '../io.js';

function fmtMs(ms: number | null): string {
  if (ms === null) return 'off';
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

type Json = Record<string, unknown>;
const propertiesOf = (schema: unknown): Record<string, Json> => ((schema as Json).properties ?? {}) as Record<string, Json>;

/**
 * Every option a profile may set, from the one declaration: as a user writes it (the input's rule),
 * tailgate's default when no preset is named, and what it does.
 */
export function optionLines(): string[] {
  const lines: string[] = [];
  const input = propertiesOf(CLIENT_CONFIG_INPUT);
  for (const [key, resolved] of Object.entries(propertiesOf(CLIENT_CONFIG))) {
    const group = resolved.properties ? propertiesOf(resolved) : null; // a group of options, not a record such as headers
    const options = group ? Object.entries(group).map(([k, s]) => [`${key}.${k}`, s, propertiesOf(input[key])[k]] as const) : [[key, resolved, input[key]] as const];
    for (const [path, schema, written] of options) {
      lines.push(`${path}: ${ruleOf(written ?? schema)}; default ${JSON.stringify(schema.default)}`, `  ${String(schema.description ?? '')}`);
    }
  }
  return lines;
}

export function presetsCommand(io: CliIo): CommandModule<object, { json: boolean; options: boolean }> {
  return {
    command: 'presets',
    describe: "list the client presets (well-known clients' defaults) and where their values come from",
    builder: (y) =>
      y
        .option('json', { type: 'boolean', default: false, describe: 'print JSON' })
        .option('options', { type: 'boolean', default: false, describe: 'list every option a profile may set: its values, default and meaning' }) as never,
    handler: (args) => {
      if (args.options) {
        io.out(`${optionLines().join('\n')}\n`);
        return;
      }
      if (args.json) {
        io.out(`${JSON.stringify(PRESETS, null, 2)}\n`);
        return;
      }
      for (const name of PRESET_NAMES) {
        const { config, description, source, behaviour } = PRESETS[name];
        const { pool, timeouts, retry } = config;
        // Every timeout the declaration has, in its order.
        const t = Object.entries(timeouts as TimeoutConfig).map(([k, v]) => `${k} ${fmtMs(v)}`).join(' ');
        io.out(`${name}: ${description}\n`);
        io.out(
          `  pool ${pool.connections ?? 'unlimited'} connections, ${pool.maxIdle ?? 'all'} idle, keep-alive ${fmtMs(pool.keepAliveMs)}` +
            `${pool.honorKeepAliveHint ? ' (honours server hint)' : ''}; timeouts ${t};` +
            ` retries ${retry.maxRetries}${retry.maxRetries > 0 ? ` (${retry.style})` : ''}\n`,
        );
        io.out(`  applies them: ${behaviour}\n`);
        io.out(`  source: ${source}\n`);
      }
    },
  };
}
