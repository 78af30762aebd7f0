/**
 * One worker of `tailgate run --workers N`: a coordinated shard in its own process. Its parent forwards
 * Ctrl+C (the first stops the load, the second abandons what is in flight), and a parent that dies takes
 * the worker's load with it.
 */
import { InvalidInputError } from '../../engine/index.js';
import { loadScenario } from '../scenario/scenario.js';
import { COORDINATOR_TOKEN_ENV } from './protocol.js';
import { runCoordinatedShard } from './shard-run.js';
import type { LiveOptions } from '../run/live.js';
import type { LiveMessage, WorkerArgs } from './workers.js';

const args = JSON.parse(process.argv[2] ?? '{}') as WorkerArgs;
const stop = new AbortController();
const hurry = new AbortController();
let signals = 0;
process.on('SIGINT', () => (++signals === 1 ? stop.abort() : hurry.abort()));
process.on('disconnect', () => {
  stop.abort();
  hurry.abort();
});
const name = `worker ${args.shard.index}/${args.shard.count}`;
try {
  const scenario = await loadScenario(args.scenarioFile);
  const { undelivered } = await runCoordinatedShard(scenario, { ...args.options, shard: args.shard, coordinator: args.coordinator, ...tokenFromEnv(), ...liveToParent(), signal: stop.signal, hurry: hurry.signal });
  if (undelivered) process.stderr.write(`tailgate ${name}: its report did not reach the coordinator: ${undelivered}\n`);
  process.exitCode = undelivered ? 3 : 0;
} catch (err) {
  process.stderr.write(`tailgate ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = err instanceof InvalidInputError ? 2 : 3;
}
process.disconnect?.();

/** Live samples go to the parent, which exports every worker's series (labelled by shard) in one place. */
function liveToParent(): { live?: LiveOptions } {
  if (!args.live) return {};
  return { live: { boundsUs: args.live.boundsUs, onSample: (run, sample) => void (process.connected && process.send?.({ live: { run, sample } } satisfies LiveMessage, undefined, {}, ignore)) } };
}

// A parent gone meanwhile is a parent gone: the worker stops on 'disconnect', not on a lost sample.
function ignore(): void {}

function tokenFromEnv(): { token?: string } {
  const token = process.env[COORDINATOR_TOKEN_ENV];
  return token ? { token } : {};
}
