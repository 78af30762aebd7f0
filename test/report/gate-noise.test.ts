/**
 * The gate's noise estimate (src/report/noise.ts, docs/gate-noise.md) on correlated data, where an
 * independence assumption demonstrably fails, and its other models: between runs, windows.
 */
import { describe, expect, it } from 'vitest';
import { parseMetric, type MeasuredProfile } from '../../src/metrics/index.js';
import { gateFailed, runGate, runNoise } from '../../src/report/index.js';
import type { ProfileReport } from '../../src/runner/index.js';
import { ar1Latencies, profileFromLatencies, syntheticReport } from '../helpers/synthetic-report.js';

/** Runs of one configuration: a queue-like AR(1) series (correlation time ≈ 50 requests), 300 req/s for 20 s. */
const RUNS = Array.from({ length: 8 }, (_, i) => profileFromLatencies('a', ar1Latencies(6000, 100 + i, { meanMs: 50, sdMs: 15, phi: 0.98 }), { seconds: 20 }));
const withoutIntervals = (p: ProfileReport): ProfileReport => {
  const { intervals: _dropped, ...rest } = p;
  return rest;
};
const METRICS = ['avg', 'p(50)', 'p(99)', 'max'];

function falsePositives(runs: ProfileReport[], regression: string): number {
  let fails = 0;
  for (const a of runs) for (const b of runs) if (a !== b && gateFailed(runGate(syntheticReport([a]), { thresholds: [], maxRegression: [regression], baseline: syntheticReport([b]) }))) fails++;
  return fails;
}

describe('the noise estimate on correlated samples (AR(1), phi 0.98)', () => {
  it('batch means estimate the run-to-run spread of avg and p(50); independent samples understate it several times', () => {
    for (const metric of ['avg', 'p(50)']) {
      const spec = parseMetric(metric);
      const values = RUNS.map((r) => runNoise(spec, r)!.value);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const truth = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
      const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!;
      const batch = median(RUNS.map((r) => runNoise(spec, r)!.se));
      const independent = median(RUNS.map((r) => runNoise(spec, withoutIntervals(r))!.se));
      expect(runNoise(spec, RUNS[0]!)!.model).toBe('batch means (20 batches of 1 s)');
      expect(runNoise(spec, withoutIntervals(RUNS[0]!))!.model).toBe('independent samples (the report has no intervals)');
      // Eight runs estimate the truth within about ±50%.
      expect(batch / truth, metric).toBeGreaterThan(0.5);
      expect(batch / truth, metric).toBeLessThan(2);
      expect(independent / truth, metric).toBeLessThan(0.4);
    }
  });

  it('identical runs: batch means fail at most 1 of 56 ordered pairs per metric; independent samples fail many', () => {
    for (const metric of METRICS) {
      const allowed = `${metric}=2%`;
      expect(falsePositives(RUNS, allowed), metric).toBeLessThanOrEqual(1);
    }
    const iid = METRICS.map((m) => falsePositives(RUNS.map(withoutIntervals), `${m}=2%`));
    expect(iid.reduce((a, b) => a + b, 0)).toBeGreaterThan(0.15 * 56 * METRICS.length);
  });

  it('a real regression on the same correlated series still fails (1.5x slower)', () => {
    const slower = profileFromLatencies('a', ar1Latencies(6000, 999, { meanMs: 75, sdMs: 22, phi: 0.98 }), { seconds: 20 });
    for (const metric of METRICS) {
      const [check] = runGate(syntheticReport([slower]), { thresholds: [], maxRegression: [`${metric}=10%`], baseline: syntheticReport([RUNS[0]!]) });
      // A maximum is one sample: its noise is wide, and +26% is within it. It is never called a pass.
      expect(check!.status, `${metric}: ${check!.detail}`).toBe(metric === 'max' ? 'inconclusive' : 'fail');
    }
  });
});

describe('between runs: several baselines, or a --repeat report', () => {
  it('three or more baseline runs use their spread, and the verdict says so', () => {
    const baselines = RUNS.slice(0, 4).map((p) => syntheticReport([p]));
    const [same] = runGate(syntheticReport([RUNS[5]!]), { thresholds: [], maxRegression: ['p(99)=5%'], baseline: baselines });
    expect(same!.noise).toBe('between runs (4 baseline runs)');
    expect(same!.status).not.toBe('fail');
    const slower = profileFromLatencies('a', ar1Latencies(6000, 7, { meanMs: 75, sdMs: 22, phi: 0.98 }), { seconds: 20 });
    const [worse] = runGate(syntheticReport([slower]), { thresholds: [], maxRegression: ['p(99)=5%'], baseline: baselines });
    expect(worse!.status).toBe('fail');
    // A --repeat report carries its runs in `repeats`: the same model, from one file.
    const repeated: ProfileReport = { ...RUNS[0]!, repeats: RUNS.slice(0, 3) as MeasuredProfile[] };
    const [fromRepeats] = runGate(syntheticReport([slower]), { thresholds: [], maxRegression: ['p(99)=5%'], baseline: syntheticReport([repeated]) });
    expect(fromRepeats!.noise).toBe('between runs (3 baseline runs)');
  });
});

describe('windowed thresholds', () => {
  // 10 s at 500 req/s, 20 ms, but 150 requests in second 6 at 400 ms: a stall the whole-run p(95) hides.
  const stall = Array.from({ length: 5000 }, (_, i) => (i >= 3000 && i < 3150 ? 400 : 20));
  const report = syntheticReport([profileFromLatencies('a', stall, { seconds: 10 })]);

  it('p(99)<300ms over 2s fails on the stalled window and names it; the wide window passes', () => {
    const [whole, narrow, wide] = runGate(report, { thresholds: ['p(95)<300ms', 'p(99)<300ms over 2s', 'avg<100ms over 10s'], maxRegression: [] });
    // The whole run's p(95) is 20 ms, but its one stall makes the share beyond 300 ms uncertain for a rerun
    // (the stall's 150 requests are one correlated event): undecided, not a pass.
    expect(whole!.status).toBe('inconclusive');
    expect(whole!.detail).toMatch(/worth \d+ independent ones/);
    // A window speaks of this run's stretch: the stall fails it, at the stricter level its windows share.
    expect(narrow!.status).toBe('fail');
    expect(narrow!.detail).toMatch(/^window (5|6) s–(7|8) s: p\(99\) 400ms not < 300ms \(2 of 9 windows fail; each window at 95%, a failing one at 99\.0% \(5 disjoint windows\)\)$/);
    expect(wide!.status).toBe('pass');
    expect(wide!.detail).toMatch(/^all 1 windows of 10 s hold/);
  });

  it('error_rate and rate over a window', () => {
    const failing = syntheticReport([profileFromLatencies('a', Array.from({ length: 1000 }, () => 5), { seconds: 10, failed: 100 })]);
    const [errors, rate] = runGate(failing, { thresholds: ['error_rate<50% over 1s', 'rate>=60 over 2s'], maxRegression: [] });
    expect(errors!.status).toBe('fail');
    expect(errors!.detail).toMatch(/^window 0 s–1 s: error_rate 100\.00% \(95% CI 9\d\.\d\d%–100\.00%\) not < 50\.00%/);
    expect(rate!.status).toBe('fail');
    expect(rate!.detail).toMatch(/^window 0 s–2 s: rate 50\.0\/s not >= 60\.0\/s/);
  });
});
