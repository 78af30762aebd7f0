/**
 * Arrival schedules without sockets: random arrivals send exactly the count constant arrivals send, all
 * inside the load's window, shaped by phases and ramps, reproducible from their seed; and the scenario
 * refuses arrival and trace fields where they do not apply.
 */
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/index.js';
import { dueTimes, resolveScenario, type RatePlan } from '../../../src/runner/index.js';
import { gapCv } from './recording-server.js';

const all = (plan: RatePlan, limit?: number) => {
  const next = dueTimes(plan, limit);
  const out: number[] = [];
  for (let t = next(); t !== null; t = next()) out.push(t);
  return out;
};
const POISSON = { kind: 'poisson', burstiness: 1, seed: 1 } as const;
const BURSTY = { kind: 'gamma', burstiness: 0.25, seed: 1 } as const;

describe('arrival schedules', () => {
  it('constant arrivals are today’s schedule: request i at i/R', () => {
    expect(all({ steps: [{ atS: 0, rate: 4 }], durationS: 1 })).toEqual([0, 250, 500, 750]);
  });

  it('random arrivals send exactly what constant ones do (R·D, rounded the same way), all within [0, D)', () => {
    // 0.1 × 30 is 3.0000000000000004 in floating point: still 3 requests, as with constant arrivals.
    for (const [rate, durationS] of [[100, 3.2], [0.1, 30], [7.3, 3.3], [1000, 60], [0.5, 1]] as const) {
      const constant = all({ steps: [{ atS: 0, rate }], durationS });
      for (const arrival of [POISSON, BURSTY, { kind: 'gamma', burstiness: 4, seed: 9 } as const]) {
        const due = all({ steps: [{ atS: 0, rate }], durationS, arrival });
        expect(due.length, `${rate}/s for ${durationS} s, ${JSON.stringify(arrival)}`).toBe(constant.length);
        expect(due[0]).toBe(0);
        expect(due.at(-1)!).toBeLessThan(durationS * 1000);
        expect(due.every((t, i) => i === 0 || t >= due[i - 1]!)).toBe(true);
      }
    }
  });

  it('a request count bounds random arrivals as it bounds constant ones (spread over the same span)', () => {
    const due = all({ steps: [{ atS: 0, rate: 100 }], durationS: Infinity, arrival: POISSON }, 150);
    expect(due).toHaveLength(150);
    expect(due.at(-1)!).toBeLessThan(1_500);
    expect(all({ steps: [{ atS: 0, rate: 100 }], durationS: 10, arrival: BURSTY }, 150)).toHaveLength(150);
  });

  it('the gaps’ CV is 1/√burstiness: ≈1 for Poisson, ≈2 for burstiness 0.25, ≈0.5 for 4', () => {
    const plan = { steps: [{ atS: 0, rate: 1000 }], durationS: 20 };
    expect(gapCv(all({ ...plan, arrival: POISSON }))).toBeCloseTo(1, 1);
    expect(gapCv(all({ ...plan, arrival: BURSTY }))).toBeGreaterThan(1.85);
    expect(gapCv(all({ ...plan, arrival: BURSTY }))).toBeLessThan(2.15);
    expect(gapCv(all({ ...plan, arrival: { kind: 'gamma', burstiness: 4, seed: 1 } }))).toBeCloseTo(0.5, 1);
  });

  it('is seeded: the same seed repeats the schedule, another seed changes it', () => {
    const plan = { steps: [{ atS: 0, rate: 50 }], durationS: 2 };
    expect(all({ ...plan, arrival: BURSTY })).toEqual(all({ ...plan, arrival: BURSTY }));
    expect(all({ ...plan, arrival: { ...BURSTY, seed: 2 } })).not.toEqual(all({ ...plan, arrival: BURSTY }));
  });

  it('phases and ramps shape random arrivals: nothing during a pause, a ramp’s integral in all', () => {
    const paused = all({ steps: [{ atS: 0, rate: 100 }, { atS: 1, rate: 0 }, { atS: 2, rate: 100 }], durationS: 3, arrival: POISSON });
    expect(paused).toHaveLength(200);
    expect(paused.filter((t) => t >= 1000 && t < 2000)).toEqual([]);
    const ramp = { stages: [{ durationS: 2, rate: 300 }], durationS: 2 };
    const due = all({ ...ramp, arrival: BURSTY });
    expect(due).toHaveLength(all(ramp).length); // 300 = the integral of a 0 → 300/s ramp over 2 s
    // The rate grows linearly, so three times as many fall in the second second as in the first.
    const first = due.filter((t) => t < 1000).length;
    expect((due.length - first) / first).toBeGreaterThan(2);
  });

  it('starts at once and keeps nothing per request, whatever the length of the run', () => {
    const t0 = performance.now();
    const next = dueTimes({ steps: [{ atS: 0, rate: 10_000 }], durationS: 86_400, arrival: BURSTY });
    for (let i = 0; i < 10_000; i++) next();
    expect(performance.now() - t0).toBeLessThan(1_000);
  });
});

function problems(load: Record<string, unknown>, extra: Record<string, unknown> = {}): readonly string[] {
  try {
    resolveScenario({ name: 'x', workload: { kind: 'embed' }, load, profiles: [{ name: 'a' }], ...extra });
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    return (err as InvalidInputError).problems;
  }
  return [];
}

describe('arrival and trace fields in a scenario', () => {
  it('accepts random arrivals on open and ramping loads', () => {
    expect(problems({ model: 'open', rate: 10, durationS: 1, arrival: 'poisson', seed: 3 })).toEqual([]);
    expect(problems({ model: 'ramping', stages: [{ durationS: 1, rate: 10 }], arrival: 'gamma', burstiness: 0.5 })).toEqual([]);
    expect(problems({ model: 'trace', file: 't.jsonl', speedup: 2 })).toEqual([]);
  });

  it('refuses what does not apply, naming the field', () => {
    expect(problems({ model: 'open', rate: 10, durationS: 1, arrival: 'gamma' })).toEqual(['load.burstiness is required for arrival gamma (1 is Poisson, below 1 burstier)']);
    expect(problems({ model: 'open', rate: 10, durationS: 1, arrival: 'poisson', burstiness: 2 })).toEqual([
      'load.burstiness applies to arrival gamma, not poisson (poisson is gamma with burstiness 1)',
    ]);
    // Each model's own fields are its declaration's (a union tagged by model): a field of another model is named with it.
    expect(problems({ model: 'closed', users: 2, durationS: 1, arrival: 'poisson' })).toEqual(['load.arrival applies to model open or ramping, not closed']);
    expect(problems({ model: 'open', rate: 10, durationS: 1, arrival: 'uniform' })).toEqual(['load.arrival must be one of constant, poisson, gamma, got "uniform"']);
    expect(problems({ model: 'trace' })).toEqual(['load.file is required for model trace']);
    expect(problems({ model: 'trace', file: 't.jsonl', rate: 5 })).toEqual(['load.rate applies to model open, not trace']);
    expect(problems({ model: 'trace', file: 't.jsonl' }, { phases: [{ atS: 1, rate: 2 }] })).toEqual([
      'phases[0].rate does not apply to the trace model: its lines set when requests are sent',
    ]);
    expect(problems({ model: 'open', rate: 10, durationS: 1, file: 't.jsonl' })).toEqual(['load.file applies to model trace, not open']);
    expect(problems({ model: 'bursts', burstSize: 4, burstGapMs: 100, durationS: 1, maxInFlight: 5 })).toEqual(['load.maxInFlight applies to model open or ramping or trace, not bursts']);
  });

  it('takes a relative trace file from the scenario’s folder', () => {
    const s = resolveScenario({ name: 'x', workload: { kind: 'embed' }, load: { model: 'trace', file: 'traces/t.jsonl' }, profiles: [{ name: 'a' }] }, 'some/dir/s.yaml');
    expect(s.load.file).toBe('some/dir/traces/t.jsonl');
  });
});
