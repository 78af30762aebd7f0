/**
 * The catalogue (docs/fidelity.md) says what proves each row: the harness cases it names must exist and
 * run the client it names, a row with no case must say how it is proven or why it is not reproduced,
 * and at most five rows are not reproduced.
 */
import { describe, expect, it } from 'vitest';
import { CATALOGUE, TOPICS } from './catalogue.js';
import { CASES } from './cases.js';

describe('the behaviour catalogue', () => {
  it('names harness cases that exist and run the row’s client', () => {
    const problems: string[] = [];
    for (const row of CATALOGUE) {
      const client = row.harness ?? row.client;
      for (const name of row.cases) {
        const c = CASES.find((x) => x.name === name);
        if (!c) problems.push(`${row.client} ${row.topic}: no case ${name}`);
        else if (!(client in c.settings)) problems.push(`${row.client} ${row.topic}: case ${name} does not run ${client}`);
      }
      if (row.cases.length === 0 && !row.proof && !row.notReproduced) problems.push(`${row.client} ${row.topic}: no case, no proof, no reason`);
    }
    expect(problems).toEqual([]);
  });

  it('covers every topic for the clients that run here, and leaves at most five rows not reproduced', () => {
    for (const client of ['httpx', 'aiohttp', 'undici'] as const) {
      const topics = new Set(CATALOGUE.filter((r) => r.client === client).map((r) => r.topic));
      expect([...TOPICS].filter((t) => !topics.has(t)), client).toEqual([]);
    }
    expect(CATALOGUE.filter((r) => r.notReproduced).length).toBeLessThanOrEqual(5);
  });

  it('uses every case', () => {
    const used = new Set(CATALOGUE.flatMap((r) => r.cases));
    expect(CASES.map((c) => c.name).filter((n) => !used.has(n))).toEqual([]);
  });
});
