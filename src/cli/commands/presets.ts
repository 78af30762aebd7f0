import type { CommandModule } from 'yargs';
import { PRESETS, PRESET_NAMES } from '../../engine/index.js';
import type { CliIo } from '../io.js';

function fmtMs(ms: number | null): string {
  if (ms === null) return 'off';
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

export function presetsCommand(io: CliIo): CommandModule<object, { json: boolean }> {
  return {
    command: 'presets',
    describe: "list the client presets (well-known clients' defaults) and where their values come from",
    builder: (y) => y.option('json', { type: 'boolean', default: false, describe: 'print JSON' }) as never,
    handler: (args) => {
      if (args.json) {
        io.out(`${JSON.stringify(PRESETS, null, 2)}\n`);
        return;
      }
      for (const name of PRESET_NAMES) {
        const { config, description, source, behaviour } = PRESETS[name];
        const { pool, timeouts: t, retry } = config;
        io.out(`${name}: ${description}\n`);
        io.out(
          `  pool ${pool.connections ?? 'unlimited'} connections, ${pool.maxIdle ?? 'all'} idle, keep-alive ${fmtMs(pool.keepAliveMs)}` +
            `${pool.honorKeepAliveHint ? ' (honours server hint)' : ''}; timeouts connect ${fmtMs(t.connect)} write ${fmtMs(t.write)}` +
            ` read ${fmtMs(t.read)} pool ${fmtMs(t.pool)} acquire ${fmtMs(t.acquire)} attempt ${fmtMs(t.attempt)} total ${fmtMs(t.total)};` +
            ` retries ${retry.maxRetries}${retry.maxRetries > 0 ? ` (${retry.style})` : ''}\n`,
        );
        io.out(`  applies them: ${behaviour}\n`);
        io.out(`  source: ${source}\n`);
      }
    },
  };
}
