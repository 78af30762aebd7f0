/**
 * The gate's verdicts held to constructed data: every verdict from a confidence interval (fail beyond,
 * pass within, inconclusive only when it straddles), the correlation within a run honoured (AR(1) at the
 * limit), and the load generator's own delay a bound in the verdict, never a switch that turns it off.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { binomialInterval, normalQuantile, tQuantile } from '../../src/report/confidence.js';
import { gateFailed, gateVerdictText, runGate } from '../../src/report/index.js';
import type { ProfileReport } from '../../src/runner/index.js';
import { runCli } from '../helpers/cli.js';
import { ar1Latencies, profileFromLatencies, syntheticLatencies, syntheticReport, withoutGeneratorDelay } from '../helpers/synthetic-report.js';

const LOGNORMAL = { dist: 'lognormal' as const, medianMs: 40, p99Ms: 120 };
const gate = (p: ProfileReport, thresholds: string[], maxRegression: string[] = [], baseline?: ProfileReport) =>
  runGate(syntheticReport([p]), { thresholds, maxRegression, ...(baseline ? { baseline: syntheticReport([baseline]) } : {}) });
const statuses = (cs: { status: string }[]) => cs.map((c) => c.status);

describe('the intervals themselves', () => {
  it('Clopper–Pearson, Student t and the normal quantile agree with published values', () => {
    // R: binom.test(5, 100)$conf.int, binom.test(0, 20), qt(.975, c(1, 4, 19)), qnorm(.999)
    expect(binomialInterval(5, 100, 0.05).map((x) => +x.toFixed(5))).toEqual([0.01643, 0.11283]);
    expect(binomialInterval(0, 20, 0.05).map((x) => +x.toFixed(5))).toEqual([0, 0.16843]);
    expect(tQuantile(0.975, 1)).toBeCloseTo(12.7062, 3);
    expect(tQuantile(0.975, 4)).toBeCloseTo(2.7764, 3);
    expect(tQuantile(0.975, 19)).toBeCloseTo(2.093, 3);
    expect(normalQuantile(0.999)).toBeCloseTo(3.0902, 3);
  });
});

describe('thresholds from a confidence interval, not a minimum count', () => {
  it('every sample beyond the limit fails from 20 samples: a percentile, a mean and a ratio', () => {
    const slow = profileFromLatencies('a', syntheticLatencies({ dist: 'fixed', ms: 600 }, 20, 1), { seconds: 10, failed: 20 });
    expect(statuses(gate(slow, ['p(99)<50ms', 'p(50)<50ms', 'avg<50ms', 'error_rate<1%']))).toEqual(['fail', 'fail', 'fail', 'fail']);
    // And every sample within it, from as few, does not fail (it may be too few to pass a p(99)).
    const fast = profileFromLatencies('a', syntheticLatencies({ dist: 'fixed', ms: 10 }, 20, 1), { seconds: 10 });
    const checks = gate(fast, ['p(99)<50ms', 'p(50)<50ms']);
    expect(statuses(checks)).toEqual(['inconclusive', 'pass']);
    expect(checks[0]!.decide).toBe('about 640 samples (now 20), if the value holds');
  });

  it('an interval that straddles the limit is inconclusive, says what would decide it, and never reads as passed', async () => {
    // 400 samples, 1.5% of them beyond 100 ms: the share at or below is 98.5%, its interval straddles 99%.
    const latencies = Array.from({ length: 400 }, (_, i) => (i % 67 === 0 ? 150 : 20));
    const p = profileFromLatencies('a', latencies, { seconds: 10 });
    const checks = gate(p, ['p(99)<100ms']);
    expect(checks[0]!.status).toBe('inconclusive');
    expect(checks[0]!.detail).toMatch(/^p\(99\) 150ms \(95% CI [\d.]+ms–150ms\) straddles 100ms; 400 samples/);
    expect(checks[0]!.decide).toMatch(/^about [\d,]+ samples \(now 400\), if the value holds$/);
    expect(gateVerdictText(checks)).toMatch(/^gate inconclusive: 1 of 1 checks undecided, 0 passed\n {2}undecided: a: p\(99\)<100ms: to decide it, about/);
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-verdict-'));
    const file = join(dir, 'r.json');
    await writeFile(file, JSON.stringify(syntheticReport([p])));
    const plain = await runCli(['gate', file, '--threshold', 'p(99)<100ms', '--junit', join(dir, 'g.xml')]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('gate inconclusive: 1 of 1 checks undecided');
    expect(plain.stdout).not.toMatch(/gate passed/);
    const junit = await readFile(join(dir, 'g.xml'), 'utf8');
    expect(junit).toMatch(/<skipped message="inconclusive: p\(99\) 150ms/);
    expect(junit).toContain('<system-out>INCONCLUSIVE: p(99)');
    const strict = await runCli(['gate', file, '--threshold', 'p(99)<100ms', '--strict']);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain('gate FAILED: 0 of 1 checks failed, 1 undecided (--strict: undecided fails), 0 passed');
  });

  it('errors in a burst widen the interval: the same count spread out decides, clustered does not', () => {
    const latencies = syntheticLatencies(LOGNORMAL, 5000, 2);
    const spread = profileFromLatencies('a', latencies, { failed: 25, spread: true });
    const burst = profileFromLatencies('a', latencies, { failed: 25 });
    expect(gate(spread, ['error_rate<1%'])[0]!.status).toBe('pass');
    const [clustered] = gate(burst, ['error_rate<1%']);
    expect(clustered!.status).toBe('inconclusive');
    expect(clustered!.detail).toMatch(/5,000 samples, worth \d+ independent ones/);
  });

  // 80 gates over 40 runs of 6000 samples: seconds quiet, more beside a busy neighbour.
  it('an AR(1) series with its true p(99) at the limit: rarely decided, almost never wrongly; independent samples decide wrongly half the time', { timeout: 120_000 }, () => {
    // x[t] = 50 + 0.98 (x[t-1] - 50) + e: marginal N(50, 15), so its p(99) is 50 + 2.326 × 15 ms.
    const limit = (50 + normalQuantile(0.99) * 15).toFixed(2);
    const dropIntervals = ({ intervals: _i, ...rest }: ProfileReport): ProfileReport => rest;
    const counts = { honest: { pass: 0, fail: 0, inconclusive: 0 }, independent: { pass: 0, fail: 0, inconclusive: 0 } };
    for (let seed = 1; seed <= 40; seed++) {
      const p = profileFromLatencies('a', ar1Latencies(6000, 500 + seed, { meanMs: 50, sdMs: 15, phi: 0.98 }), { seconds: 20 });
      counts.honest[gate(p, [`p(99)<${limit}ms`])[0]!.status]++;
      counts.independent[gate(dropIntervals(p), [`p(99)<${limit}ms`])[0]!.status]++;
    }
    // At the limit both verdicts are wrong-ish: a decided one should be rare (5% nominal; 20 batches estimate roughly).
    expect(counts.honest.fail + counts.honest.pass, JSON.stringify(counts)).toBeLessThanOrEqual(5);
    expect(counts.independent.fail + counts.independent.pass, JSON.stringify(counts)).toBeGreaterThanOrEqual(20);
    // Away from the limit the honest verdict still decides: 20% above the true p(99) passes, 20% below fails.
    const p = profileFromLatencies('a', ar1Latencies(6000, 7, { meanMs: 50, sdMs: 15, phi: 0.98 }), { seconds: 20 });
    expect(statuses(gate(p, [`p(99)<${(Number(limit) * 1.2).toFixed(1)}ms`, `p(99)<${(Number(limit) * 0.8).toFixed(1)}ms`]))).toEqual(['pass', 'fail']);
  });
});

describe("the load generator's own delay: a bound, never a switch", () => {
  const server = syntheticLatencies(LOGNORMAL, 3000, 3);
  const quiet = profileFromLatencies('a', syntheticLatencies(LOGNORMAL, 3000, 4));

  it('a failure the generator could explain is inconclusive; one it could not is a failure, and says how much it may account for', () => {
    const slowedByGenerator = profileFromLatencies('a', server.map((x) => x + 30), { generatorMs: 30 });
    const [p50, avg] = gate(slowedByGenerator, ['p(50)<50ms', 'avg<50ms']);
    expect(p50!.status).toBe('inconclusive');
    expect(p50!.detail).toMatch(/not < 50\.00ms as measured, but the load generator's own delay may account for it \(without it: \d+\.\d\dms\); 3,000 samples/);
    expect(p50!.decide).toMatch(/load generator keeps up/);
    expect(avg!.status).toBe('inconclusive');
    const slowServer = profileFromLatencies('a', server.map((x) => x + 30), { generatorMs: 2 });
    const [fail] = gate(slowServer, ['p(50)<50ms']);
    expect(fail!.status).toBe('fail');
    expect(fail!.generatorMs).toBeCloseTo(2, 0);
    expect(fail!.detail).toMatch(/the load generator's own delay may account for up to 2\.\d\dms of it$/);
  });

  it('a pass stays a pass however slow the generator was: it can only have made the run look slower', () => {
    const busy = profileFromLatencies('a', server.map((x) => x + 30), { generatorMs: 30 });
    expect(statuses(gate(busy, ['p(99)<1s', 'avg<500ms']))).toEqual(['pass', 'pass']);
  });

  it('a regression: the current run must fail with its own delay taken off; a busy baseline can hide a regression, never invent one', () => {
    const slower = profileFromLatencies('a', syntheticLatencies({ ...LOGNORMAL, medianMs: 60, p99Ms: 180 }, 3000, 5).map((x) => x + 3), { generatorMs: 3 });
    expect(statuses(gate(slower, [], ['p(50)=10%', 'avg=5%'], quiet))).toEqual(['fail', 'fail']);
    const sameButBusy = profileFromLatencies('a', server.map((x) => x + 25), { generatorMs: 25 });
    const busyVerdicts = gate(sameButBusy, [], ['p(50)=10%', 'avg=5%'], quiet);
    expect(statuses(busyVerdicts)).toEqual(['inconclusive', 'inconclusive']);
    expect(busyVerdicts[0]!.detail).toMatch(/as measured, but the load generator's own delay \(up to 2\d\.\d\dms\) may account for it/);
    // The baseline ran beside a busy neighbour (20 ms of its latency was the generator's): a 1.5x slower
    // server now looks like no change against it, and is not called a pass.
    const busyBaseline = profileFromLatencies('a', syntheticLatencies(LOGNORMAL, 3000, 6).map((x) => x + 20), { generatorMs: 20 });
    const [hidden] = gate(profileFromLatencies('a', syntheticLatencies({ ...LOGNORMAL, medianMs: 60, p99Ms: 180 }, 3000, 7)), [], ['p(50)=10%'], busyBaseline);
    expect(hidden!.status).toBe('inconclusive');
    expect(hidden!.detail).toMatch(/baseline's load generator delay may hide a regression/);
    // ...and a clear regression beyond even the busy baseline still fails.
    const [clear] = gate(profileFromLatencies('a', syntheticLatencies({ ...LOGNORMAL, medianMs: 120, p99Ms: 360 }, 3000, 8)), [], ['p(50)=10%'], busyBaseline);
    expect(clear!.status).toBe('fail');
  });

  it('an older report (no per-request delay) whose generator was saturated: its failures are inconclusive, its passes stand', () => {
    const old = withoutGeneratorDelay(profileFromLatencies('a', server.map((x) => x + 30), { extra: { eventLoop: { meanMs: 30, p99Ms: 120, maxMs: 400 } } }));
    const checks = gate(old, ['p(50)<50ms', 'p(50)<1s'], ['p(50)=10%'], quiet);
    expect(statuses(checks)).toEqual(['inconclusive', 'pass', 'inconclusive']);
    expect(checks[0]!.detail).toMatch(/the load generator was saturated \(event-loop delay p99 120ms\) and may account for it/);
    expect(gateFailed(checks)).toBe(false);
    // Not saturated: an older report is judged as measured.
    const calm = withoutGeneratorDelay(profileFromLatencies('a', server.map((x) => x + 30)));
    expect(statuses(gate(calm, ['p(50)<50ms']))).toEqual(['fail']);
  });
});
