/**
 * The differential harness: every preset against the real library it claims to be, on the same mock
 * faults (cases.ts). Where they disagree, the real client is right. The rows are written to
 * reports/fidelity.json; `npm run fidelity:doc` renders docs/fidelity.md from them.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { CASES, type Client } from './cases.js';
import { compareSides, type FidelityRow } from './compare.js';
import { runSide } from './run.js';
import { startCaseServer } from './servers.js';

const rows: FidelityRow[] = [];

afterAll(async () => {
  await mkdir('reports', { recursive: true });
  await writeFile('reports/fidelity.json', `${JSON.stringify({ at: new Date().toISOString(), rows }, null, 2)}\n`);
});

// Cases run side by side (vitest's maxConcurrency): each mostly waits on the mock's latency, and every
// figure compared is a count, not a time, so neighbours do not change the outcome.
describe.concurrent('presets against the real libraries, case by case', () => {
  for (const c of CASES) {
    it(`${c.name}: ${Object.keys(c.settings).join(', ')}`, async () => {
      const mismatches: string[] = [];
      const server = await startCaseServer(c);
      try {
        for (const client of Object.keys(c.settings) as Client[]) {
          const real = await runSide(c, client, 'real', server);
          const tailgate = await runSide(c, client, 'tailgate', server);
          const row = compareSides(c, client, real, tailgate);
          rows.push(row);
          if (!row.match) mismatches.push(`${client}: ${row.differences.join('; ')}`);
        }
      } finally {
        await server.close();
      }
      expect(mismatches).toEqual([]);
    }, 120_000);
  }
});
