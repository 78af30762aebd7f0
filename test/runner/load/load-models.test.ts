import { describe, expect, it } from 'vitest';
import { rampRate, resolveScenario, runScenario } from '../../../src/runner/index.js';

const base = {
  name: 'load',
  target: { mock: { faults: { rules: [{ kind: 'latency', dist: 'fixed', ms: 20 }] } } },
  workload: { kind: 'embed', inputsPerRequest: 1 },
  profiles: [{ name: 'p' }],
};

describe('load models', () => {
  it('closed: N users, each waiting for its answer and its think time', async () => {
    const report = await runScenario(resolveScenario({ ...base, load: { model: 'closed', users: 3, thinkTimeMs: 30, durationS: 1 } }));
    const p = report.profiles[0]!;
    // Each user does one request per ~50 ms (20 ms answer + 30 ms think): ~20 per second each.
    expect(p.requests.total).toBeGreaterThan(30);
    expect(p.requests.total).toBeLessThanOrEqual(63);
    expect(p.server!.requests.maxInFlight).toBeLessThanOrEqual(3);
  });

  it('open: a constant arrival rate, by count', async () => {
    const t0 = performance.now();
    const report = await runScenario(resolveScenario({ ...base, load: { model: 'open', rate: 100, requests: 150 } }));
    const p = report.profiles[0]!;
    expect(p.requests.total).toBe(150);
    expect(p.server!.requests.total).toBe(150);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(1_450); // 150 at 100/s: 1.5 s of schedule
  });

  it('open: at the in-flight cap due requests wait and count late; none is skipped', async () => {
    const report = await runScenario(
      resolveScenario({
        ...base,
        target: { mock: { faults: { rules: [{ kind: 'latency', dist: 'fixed', ms: 200 }] } } },
        load: { model: 'open', rate: 100, durationS: 1, maxInFlight: 5 },
      }),
    );
    const p = report.profiles[0]!;
    expect(p.requests.total).toBe(100);
    expect(p.requests.ok).toBe(100);
    expect(p.requests.late).toBeGreaterThan(50);
    expect(p.server!.requests.maxInFlight).toBeLessThanOrEqual(5);
    // Latency counts from the intended start, so waiting for the cap shows up in it.
    expect(p.latencyMs!.max).toBeGreaterThan(2_000);
  });

  it('ramping: stages move the rate linearly', async () => {
    expect(rampRate([{ durationS: 2, rate: 100 }, { durationS: 2, rate: 100 }, { durationS: 1, rate: 0 }], 1)).toBe(50);
    expect(rampRate([{ durationS: 2, rate: 100 }, { durationS: 2, rate: 100 }], 3)).toBe(100);
    const report = await runScenario(resolveScenario({ ...base, load: { model: 'ramping', stages: [{ durationS: 1, rate: 200 }] } }));
    // The integral of a 0 -> 200 ramp over 1 s is 100 requests.
    expect(report.profiles[0]!.requests.total).toBeGreaterThanOrEqual(95);
    expect(report.profiles[0]!.requests.total).toBeLessThanOrEqual(101);
  });

  it('bursts: N at once, then an idle gap; phases change the mock mid-run and are marked', async () => {
    const report = await runScenario(
      resolveScenario({
        ...base,
        load: { model: 'bursts', burstSize: 10, burstGapMs: 400, durationS: 1.2 },
        phases: [{ atS: 0.5, name: 'errors on', faults: { rules: [{ kind: 'status', status: 500 }] } }],
      }),
    );
    const p = report.profiles[0]!;
    expect(p.requests.total % 10).toBe(0);
    expect(p.requests.total).toBeGreaterThanOrEqual(20);
    expect(p.server!.requests.maxInFlight).toBe(10);
    expect(p.phases.map((x) => x.name)).toEqual(['errors on']);
    expect(p.statuses['500']).toBeGreaterThan(0);
    expect(p.statuses['200']).toBeGreaterThan(0);
  });

  it('a rate of 0 in a phase or a ramp stage sends nothing while it holds', async () => {
    const phased = await runScenario(resolveScenario({ ...base, load: { model: 'open', rate: 40, durationS: 2 }, phases: [{ atS: 1, name: 'pause', rate: 0 }] }));
    expect(phased.profiles[0]!.requests.total).toBe(40);
    expect(phased.profiles[0]!.server!.requests.total).toBe(40);
    // A first stage at 0 for 1 s sends nothing; the ramp from 0 to 40 over the next second sends 20.
    const ramped = await runScenario(resolveScenario({ ...base, load: { model: 'ramping', stages: [{ durationS: 1, rate: 0 }, { durationS: 1, rate: 40 }] } }));
    expect(ramped.profiles[0]!.requests.total).toBe(20);
    expect(ramped.profiles[0]!.server!.requests.total).toBe(20);
  });
});
