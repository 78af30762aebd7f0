/**
 * One run of bench:gate in a process of its own (the parent pins it to a core with taskset, beside a busy
 * neighbour or not): node gate-run-child.js TARGET_URL SECONDS RATE OUT.json. Writes the report there.
 */
import { writeFile } from 'node:fs/promises';
import { resolveScenario, runScenario } from '../src/runner/index.js';

const [url, seconds, rate, out] = process.argv.slice(2) as [string, string, string, string];
const scenario = resolveScenario({
  name: 'gate-bench',
  target: { url },
  workload: { kind: 'embed', inputsPerRequest: 1 },
  load: { model: 'open', rate: Number(rate), durationS: Number(seconds) },
  warmup: { durationS: 1 },
  profiles: [{ name: 'p', preset: 'undici', pool: { connections: 32 } }],
});
await writeFile(out, JSON.stringify(await runScenario(scenario)));
