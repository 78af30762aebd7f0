/** The rules of distributed runs that need no processes: how many workers a rate needs. */
import { describe, expect, it } from 'vitest';
import { autoWorkers, RATE_PER_WORKER, resolveScenario } from '../../../src/runner/index.js';

const load = (l: Record<string, unknown>) =>
  resolveScenario({ name: 'w', workload: { kind: 'embed' }, load: l, profiles: [{ name: 'p', preset: 'undici' }] }).load;

describe('autoWorkers: more processes only when the rate needs them', () => {
  it('keeps one process for a rate one core sends', () => {
    expect(autoWorkers(load({ model: 'open', rate: RATE_PER_WORKER, durationS: 5 }), undefined, true, 8)).toBe(1);
  });
  it('uses a process per RATE_PER_WORKER, up to the cores (one left for the embedded mock)', () => {
    expect(autoWorkers(load({ model: 'open', rate: 2.5 * RATE_PER_WORKER, durationS: 5 }), undefined, false, 8)).toBe(3);
    expect(autoWorkers(load({ model: 'open', rate: 100 * RATE_PER_WORKER, durationS: 5 }), undefined, true, 8)).toBe(7);
    expect(autoWorkers(load({ model: 'open', rate: 100 * RATE_PER_WORKER, durationS: 5 }), undefined, true, 2)).toBe(1);
  });
  it('reads --rate over the scenario’s, and the peak stage of a ramp', () => {
    expect(autoWorkers(load({ model: 'open', rate: 10, durationS: 5 }), 3 * RATE_PER_WORKER, false, 8)).toBe(3);
    expect(autoWorkers(load({ model: 'ramping', stages: [{ durationS: 5, rate: 10 }, { durationS: 5, rate: 2 * RATE_PER_WORKER }] }), undefined, false, 8)).toBe(2);
  });
  it('keeps a closed model in one process: its rate is not known ahead', () => {
    expect(autoWorkers(load({ model: 'closed', users: 500, durationS: 5 }), undefined, false, 8)).toBe(1);
  });
});
