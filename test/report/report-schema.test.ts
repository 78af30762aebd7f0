/**
 * The report's one declaration, shipped as scenarios/report.schema.json: the file is the declaration
 * rendered, and a standard validator (ajv) accepts what tailgate writes (a real run's report, repeated and
 * merged ones, an older report without the fields added since) and refuses what reportProblems refuses.
 */
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { mergeReports, reportJsonSchema, reportProblems, withFindings } from '../../src/report/index.js';
import { runMain } from '../helpers/cli.js';
import { syntheticProfile, syntheticReport } from '../helpers/synthetic-report.js';

const shipped = JSON.parse(await readFile(new URL('../../scenarios/report.schema.json', import.meta.url), 'utf8')) as object;
const validate = new Ajv2020({ allErrors: true }).compile(shipped);

/** As a file holds it: JSON, not the objects that made it. */
const asRead = (r: unknown) => JSON.parse(JSON.stringify(r)) as Record<string, unknown>;

describe('scenarios/report.schema.json', () => {
  it('is the report declaration rendered (npm run schema writes it)', () => {
    expect(shipped).toEqual(reportJsonSchema());
  });

  it('accepts a real run of two repeats, as reportProblems does', { timeout: 60_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-report-schema-'));
    // One profile at a tenth of the bundled rate: a real run's every field, without the pool queue of the bundled load.
    const run = await runMain(['run', 'quickstart', '--profile', 'baseten-recommended', '--rate', '50', '--duration', '1s', '--repeat', '2', '--out', dir]);
    expect(run.code, run.stderr).toBe(0);
    // The first line counts the profiles --profile chose, not the scenario's two.
    expect(run.stdout).toContain('tailgate run quickstart: 1 profile(s)');
    const [file] = (await readdir(dir)).filter((f) => f.endsWith('.json'));
    const report = JSON.parse(await readFile(join(dir, file!), 'utf8')) as Record<string, unknown>;
    expect((report.profiles as { repeats?: unknown[] }[])[0]!.repeats).toHaveLength(2);
    expect(validate(report), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);
    expect(reportProblems(report)).toEqual([]);
  });

  it('accepts the fixtures: synthetic, merged shards, an older report; refuses a corrupted one', () => {
    const a = withFindings(syntheticReport([syntheticProfile('a', { dist: 'lognormal', medianMs: 20, p99Ms: 90 }, 500, 1, 5)]));
    const shards = [1, 2].map((i) => ({ ...syntheticReport([syntheticProfile('a', { dist: 'fixed', ms: 10 }, 100, i)]), shard: { index: i, count: 2 } }));
    const merged = mergeReports(shards);
    // An older report: none of the fields added later (intervals, generator histograms, work, stream timings).
    const older = asRead(a);
    const p = (older.profiles as Record<string, unknown>[])[0]!;
    for (const k of ['intervals', 'work', 'closeReasons', 'reuse', 'lostRaces', 'generator', 'ttftMs', 'itlMs', 'tpotMs', 'streamMetrics', 'tokens', 'goodput', 'connectionHoldMs']) delete p[k];
    const h = p.histograms as Record<string, unknown>;
    for (const k of Object.keys(h)) if (!['latency', 'queueWait', 'connect', 'ttfb'].includes(k)) delete h[k];
    for (const r of [a, merged, older]) {
      expect(validate(asRead(r)), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);
      expect(reportProblems(asRead(r))).toEqual([]);
    }
    const corrupted = asRead(a);
    ((corrupted.profiles as Record<string, unknown>[])[0]!.requests as Record<string, unknown>).failed = 'some';
    expect(validate(corrupted)).toBe(false);
    expect(reportProblems(corrupted)).toEqual(['profiles[0].requests.failed must be an integer in 0..9007199254740991, got "some"']);
  });
});
