/**
 * The gate on real runs: a threshold marked abortOnFail stops a run once lost (and every request is still
 * accounted for, against the mock's own count); --repeat gives the gate the spread between runs.
 */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runGate } from '../../../src/report/index.js';
import { resolveScenario, runScenario, type Report } from '../../../src/runner/index.js';
import { runCli } from '../../helpers/cli.js';

describe('abortOnFail', () => {
  it('a run stops once its error-rate window is lost, says which, and still counts what the mock saw', async () => {
    const scenario = resolveScenario({
      name: 'abort',
      target: { mock: { faults: { rules: [{ kind: 'latency', dist: 'fixed', ms: 5 }] } } },
      workload: { kind: 'embed', inputsPerRequest: 1 },
      load: { model: 'open', rate: 100, durationS: 30 },
      // From 2 s on, every request fails.
      phases: [{ atS: 2, name: 'outage', faults: { rules: [{ kind: 'status', status: 500 }] } }],
      profiles: [{ name: 'p', preset: 'undici' }, { name: 'never-runs', preset: 'undici' }],
      gate: { thresholds: [{ threshold: 'error_rate<20% over 1s', abortOnFail: true }, 'p(99)<10s'] },
    });
    const started = performance.now();
    const report = await runScenario(scenario);
    const tookS = (performance.now() - started) / 1000;
    expect(report.partial).toBe(true);
    expect(report.stoppedBy).toMatchObject({ profile: 'p', threshold: 'error_rate<20% over 1s' });
    expect(report.stoppedBy!.detail).toMatch(/^error_rate was 1 in the window \d+–\d+ s$/);
    expect(report.profiles.map((p) => p.name)).toEqual(['p']);
    // Stopped within a few seconds of the outage, not after 30 s.
    expect(tookS).toBeLessThan(15);
    const p = report.profiles[0]!;
    expect(p.requests.total).toBe(p.server!.requests.total);
    expect(p.requests.total).toBe(p.requests.ok + p.requests.failed);
  });
});

describe('tailgate run --repeat and several baselines', () => {
  it('one report of N runs, each kept; the gate measures between runs and says so', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-repeat-'));
    const file = join(dir, 's.yaml');
    await writeFile(
      file,
      [
        'name: repeat',
        'target: { mock: { faults: { rules: [{ kind: latency, dist: lognormal, medianMs: 5, p99Ms: 20 }] } } }',
        'workload: { kind: embed, inputsPerRequest: 1 }',
        'load: { model: open, rate: 100, durationS: 1 }',
        'profiles: [{ name: p, preset: undici }]',
      ].join('\n'),
    );
    const run = await runCli(['run', file, '--repeat', '3', '--out', dir]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('run 3 of 3');
    const [name] = (await readdir(dir)).filter((f) => f.endsWith('.json'));
    const report = JSON.parse(await readFile(join(dir, name!), 'utf8')) as Report;
    const p = report.profiles[0]!;
    expect(report.repeat).toBe(3);
    expect(p.repeats).toHaveLength(3);
    // The sum of the runs, and each one exact against the mock: 100 requests a run.
    expect(p.repeats!.map((r) => r.requests.total)).toEqual([100, 100, 100]);
    expect(p.requests.total).toBe(300);
    expect(p.server!.requests.total).toBe(300);
    expect(p.intervals!.counts.started.reduce((a, b) => a + b, 0)).toBe(300);
    const [check] = runGate(report, { thresholds: [], maxRegression: ['p(50)=50%'], baseline: report });
    expect(check!.noise).toBe('between runs (3 baseline runs, 3 current)');
    // A report against itself never fails: the excess is 0, so its interval reaches at most the noise.
    expect(check!.status).not.toBe('fail');
    if (check!.status === 'inconclusive') expect(check!.decide).toBeTruthy();
    const bad = await runCli(['run', file, '--repeat', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--repeat must be an integer in 1..100, got 0');
  });
});
