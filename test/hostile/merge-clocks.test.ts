/**
 * `tailgate merge` of shards run by hand: their recorded starts align their seconds, but a start further
 * from the others than the parts ran together (or a minute) is a wrong clock or another run, refused (exit 2, named) before any
 * size-proportional work: a clock years off must never make a merge pad years of empty seconds.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/report/index.js';
import { runCli } from '../helpers/cli.js';
import { syntheticProfile, syntheticReport } from '../helpers/synthetic-report.js';

const shard = (index: number, startedAt: string): Report => ({
  ...syntheticReport([{ ...syntheticProfile('a', { dist: 'fixed', ms: 5 }, 100, index), startedAt }]),
  shard: { index, count: 2 },
  startedAt,
});

describe('merge and clocks', () => {
  it('a shard whose start is years from the other is refused by name, quickly and without growing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-merge-clock-'));
    await writeFile(join(dir, 'a.json'), JSON.stringify(shard(1, '2026-06-01T00:00:00.000Z')));
    await writeFile(join(dir, 'b.json'), JSON.stringify(shard(2, '2031-06-01T00:00:00.000Z')));
    const t0 = performance.now();
    const r = await runCli(['merge', join(dir, 'a.json'), join(dir, 'b.json'), '-o', join(dir, 'm.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/profile "a" of a part began 1826\.0 days after the earliest, longer than the parts ran together \(60\.0 s\)/);
    expect(performance.now() - t0).toBeLessThan(20_000);
    // Shards a few seconds apart (run by hand) still merge, aligned on their starts.
    await writeFile(join(dir, 'c.json'), JSON.stringify(shard(2, '2026-06-01T00:00:03.000Z')));
    const ok = await runCli(['merge', join(dir, 'a.json'), join(dir, 'c.json'), '-o', join(dir, 'm.json')]);
    expect(ok.code, ok.stderr).toBe(0);
  });
});
