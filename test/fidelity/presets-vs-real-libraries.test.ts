/**
 * The differential harness: every preset against the real library it claims to be, on the same server
 * and faults (cases*.ts). Where they disagree, the real client is right. The rows are written to
 * reports/fidelity.json; `npm run fidelity:doc` renders docs/fidelity.md from them and the catalogue.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CASES, type Case, type Client } from './cases.js';
import { compareSides, type FidelityRow } from './compare.js';
import { runSide } from './run.js';
import { closeIdleMocks, startCaseServer } from './servers.js';

const rows: FidelityRow[] = [];

// Baseten's client is not a dependency (its platform binaries cannot all be locked): installed as the
// client benchmark installs it, without saving, when it is missing.
beforeAll(() => {
  execFileSync(process.execPath, ['bench/ensure-baseten.mjs'], { stdio: 'ignore', timeout: 120_000 });
}, 130_000);

afterAll(async () => {
  await closeIdleMocks();
  await mkdir('reports', { recursive: true });
  await writeFile('reports/fidelity.json', `${JSON.stringify({ at: new Date().toISOString(), rows }, null, 2)}\n`);
});

/**
 * How many clients run at once across all cases. A run mostly waits (latency, gaps, a driver process
 * starting), so several fit 2 cores; every figure compared is a count, and the cases whose counts
 * depend on timing have margins of hundreds of milliseconds.
 */
const CLIENTS_AT_ONCE = 5;
let running = 0;
const queue: (() => void)[] = [];
async function limited<T>(run: () => Promise<T>): Promise<T> {
  if (running >= CLIENTS_AT_ONCE) await new Promise<void>((resolve) => queue.push(resolve));
  running++;
  try {
    return await run();
  } finally {
    running--;
    queue.shift()?.();
  }
}

/** One client of a case, on a server of its own: the real library, then tailgate's preset, compared. */
async function runClient(c: Case, client: Client): Promise<FidelityRow> {
  // A case that fills the mock's accept queue gets a mock of its own per side (runSide).
  const server = c.holdConnections ? undefined : await startCaseServer(c);
  try {
    const real = await runSide(c, client, 'real', server);
    const tailgate = await runSide(c, client, 'tailgate', server);
    return compareSides(c, client, real, tailgate);
  } finally {
    await server?.close();
  }
}

// The longest first (a mock per side, seconds of gaps), so that they do not end the run alone.
const cost = (c: Case) => (c.holdConnections ? 60_000 : 0) + (c.gapMs ?? 0) * ((c.waves?.length ?? 1) - 1) * Object.keys(c.settings).length;

describe.concurrent('presets against the real libraries, case by case', () => {
  for (const c of [...CASES].sort((a, b) => cost(b) - cost(a))) {
    it(`${c.name}: ${Object.keys(c.settings).join(', ')}`, async () => {
      const results = await Promise.all((Object.keys(c.settings) as Client[]).map((client) => limited(() => runClient(c, client))));
      rows.push(...results);
      expect(results.filter((r) => !r.match).map((r) => `${r.client}: ${r.differences.join('; ')}`)).toEqual([]);
    }, 120_000);
  }
});
