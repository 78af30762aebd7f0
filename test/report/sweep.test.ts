/**
 * The capacity sweep against a mock whose capacity is known: 4 workers × 20 ms = 200 requests/s. Under
 * `p(99)<100ms` the highest rate held is below 200 (at 200 the queue grows without bound) and at least
 * half of it; every rate tried is recorded with its value, noise and verdict. A trial too short to decide
 * is lengthened, and said so. The command line, and `report` and `compare` on a sweep, are in sweep-cli.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { judgeTrial, parseSlo, sweepRates, type SweepPoint } from '../../src/report/index.js';
import { resolveScenario, runScenario, type ProfileReport } from '../../src/runner/index.js';
import { profileFromLatencies } from '../helpers/synthetic-report.js';

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
    const measure = async (rate: number, durationS: number) => (await runScenario(scenario, { rate, durationS })).profiles[0] as ProfileReport;
    const { points, capacity } = await sweepRates(parseSlo('p(99)<100ms'), { from: 100, to: 300 }, measure, { durationS: 5, maxDurationS: 5, precision: 0.25 });
    expect(points[0]).toMatchObject({ rate: 100, verdict: 'held', held: true });
    for (const p of points.filter((x) => x.rate >= 200)) expect(p.verdict, `${p.rate} req/s`).not.toBe('held');
    expect(capacity).not.toBeNull();
    expect(capacity!).toBeGreaterThanOrEqual(100);
    expect(capacity!).toBeLessThan(200);
    for (const p of points) expect(p.margin).not.toBeNull();
  }, 120_000);

  it('a trial within noise of the limit is undecided, not "not held", and is lengthened until it decides', async () => {
    // No failures at all. 4 s: 40 requests, whose 95% interval for the error rate reaches 8.8%: it cannot tell
    // 0% from above 5% (the gate's verdict: inconclusive). 8 s, 80 requests, reaches 4.5%: held.
    const tried: [number, SweepPoint['verdict']][] = [];
    const measure = async (_rate: number, durationS: number) => profileFromLatencies('p', Array.from({ length: 10 * durationS }, () => 20), { seconds: durationS });
    const slo = parseSlo('error_rate<5%');
    expect(judgeTrial(slo, await measure(4, 4))).toMatchObject({ value: 0, verdict: 'undecided', held: false });
    const { points, capacity } = await sweepRates(slo, { from: 4, to: 4 }, measure, { durationS: 4, maxDurationS: 16, onTrial: (p) => tried.push([p.durationS, p.verdict]) });
    expect(tried).toEqual([
      [4, 'undecided'],
      [8, 'held'],
    ]);
    expect(points).toMatchObject([{ rate: 4, verdict: 'held', durationS: 8, trials: 2 }]);
    expect(capacity).toBe(4);
    // Not allowed to lengthen: it stays undecided, and is not counted as capacity.
    const short = await sweepRates(slo, { from: 4, to: 4 }, measure, { durationS: 4, maxDurationS: 4 });
    expect(short).toMatchObject({ capacity: null, points: [{ verdict: 'undecided', trials: 1 }] });
  });
});
