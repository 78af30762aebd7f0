/**
 * The README's benchmark table cannot go stale: it is bench/table.ts's rendering of bench/results.json, the
 * committed bench.json of a real `npm run bench` (npm run bench:publish writes both), and that file is a
 * run's report in the shape the benchmarks write: rows with ratios, targets and verdicts that follow from
 * them, and how the run went.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { readmeBlock, renderReadmeBlock, targets, withReadmeBlock, type BenchFile } from '../../bench/table.js';

const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
const results = JSON.parse(await readFile(new URL('../../bench/results.json', import.meta.url), 'utf8')) as BenchFile;

describe("the README's benchmark table", () => {
  it('is the rendering of bench/results.json, between its markers', () => {
    expect(readmeBlock(readme), 'README.md has the bench-table markers').not.toBeNull();
    expect(readmeBlock(readme)).toBe(renderReadmeBlock(results));
  });

  it('comes from a run of npm run bench whose verdicts follow from its ratios', () => {
    expect(results.run, 'bench/results.json says how it was run (bench/all.ts adds it)').toBeDefined();
    expect(results.rows.length).toBeGreaterThan(0);
    for (const r of results.rows) {
      if (r.ratio === null || r.target === null) continue;
      const sense = r.sense ?? '>=';
      const met = sense === '>=' ? r.ratio >= r.target : sense === '<=' ? r.ratio <= r.target : Math.abs(r.ratio - 1) <= r.target;
      expect(r.met, `${r.bench} ${r.contender}`).toBe(met);
      // A median lies within its own interquartile range.
      if (r.iqr) expect(r.iqr[0] <= r.ratio && r.ratio <= r.iqr[1], `${r.contender} IQR ${r.iqr.join('..')}`).toBe(true);
    }
    expect(readmeBlock(readme)).toContain(`${targets(results.rows).met} of ${targets(results.rows).total} targets met`);
  });

  it('is rewritten whole by publishing another run, leaving the rest of the README as it was', () => {
    const other: BenchFile = { ...results, at: '2026-01-01T00:00:00.000Z', rows: results.rows.slice(0, 1).map((r) => ({ ...r, contender: 'a <b> | c' })) };
    const rewritten = withReadmeBlock(readme, other);
    expect(readmeBlock(rewritten)).toBe(renderReadmeBlock(other));
    // What the table did not write is escaped: a cell cannot open HTML or a new column.
    expect(readmeBlock(rewritten)).toContain('a &lt;b> \\| c');
    const outside = (text: string) => text.replace(readmeBlock(text) as string, '');
    expect(outside(rewritten)).toBe(outside(readme));
  });
});
