/**
 * The capacity sweep against a mock whose capacity is known: 4 workers × 20 ms = 200 requests/s. Under
 * `p(99)<100ms` the highest rate held is below 200 (at 200 the queue grows without bound) and at least
 * half of it; every rate tried is recorded with its value and noise.
 */
import { describe, expect, it } from 'vitest';
import { parseSlo, sweepRates } from '../../src/report/index.js';
import { resolveScenario, runScenario, type ProfileReport } from '../../src/runner/index.js';

describe('tailgate sweep', () => {
  it('finds the highest rate that holds the SLO beyond noise, below the server’s known capacity', async () => {
    const scenario = resolveScenario({
      name: 'capacity',
      target: { mock: { faults: { workers: 4, rules: [{ kind: 'latency', dist: 'fixed', ms: 20 }] } } },
      workload: { kind: 'embed', inputsPerRequest: 1 },
      // Poisson arrivals: at the capacity itself the queue grows without bound (constant arrivals into
      // a fixed service time would not queue even at 100%).
      load: { model: 'open', rate: 10, durationS: 5, arrival: 'poisson' },
      profiles: [{ name: 'p', preset: 'undici' }],
    });
    const measure = async (rate: number) => (await runScenario(scenario, { rate, durationS: 5 })).profiles[0] as ProfileReport;
    const { points, capacity } = await sweepRates(parseSlo('p(99)<100ms'), { from: 100, to: 300 }, measure, 0.25);
    expect(points[0]).toMatchObject({ rate: 100, held: true });
    for (const p of points.filter((x) => x.rate >= 200)) expect(p.held, `${p.rate} req/s`).toBe(false);
    expect(capacity).not.toBeNull();
    expect(capacity!).toBeGreaterThanOrEqual(100);
    expect(capacity!).toBeLessThan(200);
    for (const p of points) expect(p.margin).not.toBeNull();
  }, 120_000);
});

describe('tailgate sweep from the command line (the README recipe, at one rate)', () => {
  it('prints the highest rate held per profile and writes the sweep JSON', async () => {
    const { mkdtemp, readdir } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { runCli } = await import('../helpers/cli.js');
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-sweep-'));
    const r = await runCli(['sweep', 'llm-streaming', '--slo', 'goodput>95%', '--rates', '4..4', '--duration', '5s', '--profile', 'pool-sized-for-streams', '--out', dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/pool-sized-for-streams\s*│\s*4 req\/s/);
    expect((await readdir(dir)).filter((f) => f.startsWith('sweep-llm-streaming'))).toHaveLength(1);
    const bad = await runCli(['sweep', 'llm-streaming', '--slo', 'goodput>95', '--rates', '9..1']);
    expect(bad.code).toBe(2);
  }, 60_000);
});
