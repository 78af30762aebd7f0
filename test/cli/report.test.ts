import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { profileFromLatencies, syntheticLatencies, syntheticProfile, syntheticReport } from '../helpers/synthetic-report.js';

describe('tailgate report and compare', () => {
  it('renders tables and findings, and writes HTML, Markdown (also to $GITHUB_STEP_SUMMARY), JUnit and .hgrm', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-report-'));
    const file = join(dir, 'r.json');
    // 50 of 500 failed, spread over the run (a burst in one second would be too few independent events to fail 1% on).
    const stale = profileFromLatencies('stale', syntheticLatencies({ dist: 'fixed', ms: 20 }, 500, 1), { failed: 50, spread: true, extra: { errors: { stale_connection: 50 } } });
    await writeFile(file, JSON.stringify(syntheticReport([syntheticProfile('fine', { dist: 'fixed', ms: 20 }, 500, 1), stale], { thresholds: ['error_rate<1%'], maxRegression: [] })));
    const summary = join(dir, 'step-summary.md');
    await writeFile(summary, '# earlier step\n');
    const out = await runCli(['report', file, '--html', join(dir, 'r.html'), '--md', join(dir, 'r.md'), '--junit', join(dir, 'r.xml'), '--hgrm', join(dir, 'hgrm')], { GITHUB_STEP_SUMMARY: summary });
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('✖ stale: 50 attempts failed on a reused connection');
    expect(out.stdout).toMatch(/error_rate<1%.*FAIL/);
    expect(await readFile(join(dir, 'r.html'), 'utf8')).toContain('id="chart-spectrum"');
    const md = await readFile(join(dir, 'r.md'), 'utf8');
    expect(md).toContain('| stale |');
    expect(md).toContain('### Findings');
    expect(await readFile(summary, 'utf8')).toBe(`# earlier step\n${md}`);
    expect(await readFile(join(dir, 'r.xml'), 'utf8')).toContain('failures="1"');
    expect((await readdir(join(dir, 'hgrm'))).sort()).toEqual(['fine.hgrm', 'stale.hgrm']);
    expect(await readFile(join(dir, 'hgrm', 'fine.hgrm'), 'utf8')).toMatch(/Value\s+Percentile\s+TotalCount/);
  });

  it('compare shows deltas and marks what is beyond noise; a bad file is exit 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-compare-'));
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    await writeFile(a, JSON.stringify(syntheticReport([syntheticProfile('p', { dist: 'lognormal', medianMs: 40, p99Ms: 200 }, 5000, 1)])));
    await writeFile(b, JSON.stringify(syntheticReport([syntheticProfile('p', { dist: 'lognormal', medianMs: 40, p99Ms: 400 }, 5000, 2)])));
    const out = await runCli(['compare', a, b]);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/p\(99\).*beyond noise/);
    expect(out.stdout).not.toMatch(/p\(50\).*beyond noise/);
    await writeFile(join(dir, 'bad.json'), '{"schemaVersion": 7}');
    const bad = await runCli(['compare', join(dir, 'bad.json')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('schemaVersion must be 1, got 7');
  });
});
