import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/index.js';
import { compareProfiles, gateFailed, runGate } from '../../src/report/index.js';
import { runCli } from '../helpers/cli.js';
import { profileFromLatencies, syntheticLatencies, syntheticProfile, syntheticReport } from '../helpers/synthetic-report.js';

const LOGNORMAL = { dist: 'lognormal' as const, medianMs: 40, p99Ms: 200 };
const SLOWER = { dist: 'lognormal' as const, medianMs: 40, p99Ms: 320 };

describe('gate', () => {
  it('thresholds over any metric: p(N), avg, max, error_rate, rate, count, per-code counts, each from its interval', () => {
    // 25 failures spread over the run (errors that cluster widen the interval: gate-verdicts.test.ts).
    const report = syntheticReport([profileFromLatencies('a', syntheticLatencies(LOGNORMAL, 5000, 1), { failed: 25, spread: true })]);
    const checks = runGate(report, {
      thresholds: ['p(99)<300ms', 'p(50)<30ms', 'avg<1s', 'max<10s', 'error_rate<1%', 'error_rate<0.1%', 'rate>=400', 'count>1000', 'errors.http_5xx<=25', 'ttfb.p(99.9)<2000ms'],
      maxRegression: [],
    });
    // p(99.9) from 5000 samples: none beyond 2 s, so its share is at least 99.93% at 95%: it passes.
    expect(checks.map((c) => c.status)).toEqual(['pass', 'fail', 'pass', 'pass', 'pass', 'fail', 'pass', 'pass', 'pass', 'pass']);
    expect(checks[0]!.detail).toMatch(/^p\(99\) [\d.]+ms \(95% CI [\d.]+ms–[\d.]+ms\) < 300ms; 5,000 samples, /);
    expect(checks[3]!.detail).toContain('judged on the observed value');
    expect(checks.every((c) => c.confidence === 0.95)).toBe(true);
    expect(gateFailed(checks)).toBe(true);
  });

  it('no minimum count: a percentile fails from few samples when every one is beyond the limit, and --min-samples can still ask for one', () => {
    const report = syntheticReport([syntheticProfile('a', LOGNORMAL, 200, 1)]);
    const [check] = runGate(report, { thresholds: ['p(99.9)<1ms'], maxRegression: [] });
    expect(check!.status).toBe('fail');
    const [floored] = runGate(report, { thresholds: ['p(99.9)<1ms'], maxRegression: [], minSamples: 1000 });
    expect(floored!.status).toBe('inconclusive');
    expect(floored!.detail).toBe('200 sample(s), fewer than the 1000 --min-samples asks for');
    expect(gateFailed([floored!])).toBe(false);
    expect(gateFailed([floored!], true)).toBe(true);
  });

  it('a baseline run and a rerun of the same distribution do not fail: the difference is noise', () => {
    for (let seed = 2; seed < 12; seed++) {
      const base = syntheticReport([syntheticProfile('a', LOGNORMAL, 3000, 1, 10)]);
      const again = syntheticReport([syntheticProfile('a', LOGNORMAL, 3000, seed, 12)]);
      const checks = runGate(again, { thresholds: [], maxRegression: ['p(99)=5%', 'p(50)=2%', 'error_rate=0.1%'], baseline: base });
      expect(checks.filter((c) => c.status === 'fail')).toEqual([]);
      // Within noise either way: what would decide it is said (the smallest change this noise fails).
      for (const c of checks.filter((x) => x.status === 'inconclusive')) expect(c.decide).toMatch(/at this noise only a change beyond/);
    }
  });

  it('a real tail regression fails, with the noise model and its margin as evidence', () => {
    const base = syntheticReport([syntheticProfile('a', LOGNORMAL, 5000, 1)]);
    const worse = syntheticReport([syntheticProfile('a', SLOWER, 5000, 2)]);
    const [check] = runGate(worse, { thresholds: [], maxRegression: ['p(99)=10%'], baseline: base });
    expect(check!.status).toBe('fail');
    expect(check!.detail).toMatch(/beyond noise \(noise ±[\d.]+ms, batch means \(10 batches of 1 s\)\)/);
    expect(check!.noise).toBe('batch means (10 batches of 1 s)');
    expect(check!.value! / check!.baseline!).toBeGreaterThan(1.3);
  });

  it('relative (%) and absolute (ms) regressions: p(50)=1s allows a second more, not a thousand times more', () => {
    const base = syntheticReport([syntheticProfile('a', { dist: 'fixed', ms: 2 }, 3000, 1)]);
    const worse = syntheticReport([syntheticProfile('a', { dist: 'fixed', ms: 52 }, 3000, 2)]);
    const [absoluteLoose, absoluteTight, relative] = runGate(worse, { thresholds: [], maxRegression: ['p(50)=1s', 'p(50)=20ms', 'p(50)=100%'], baseline: base });
    expect(absoluteLoose!.status).toBe('pass');
    expect(absoluteTight!.status).toBe('fail');
    expect(relative!.status).toBe('fail');
    expect(absoluteTight!.detail).toContain('allowed +20.00ms');
  });

  it('invalid expressions: every problem listed at once, units checked against the metric, unknown codes refused', () => {
    const report = syntheticReport([syntheticProfile('a', LOGNORMAL, 100, 1)]);
    expect(() => runGate(report, { thresholds: ['p99 < fast'], maxRegression: [] })).toThrow(InvalidInputError);
    expect(() => runGate(report, { thresholds: [], maxRegression: ['p(99)=10%'] })).toThrow(/needs --baseline/);
    let problems: string[] = [];
    try {
      runGate(report, {
        thresholds: ['bogus.p(99)<1ms', 'error_rate<1ms', 'errors.pool_timeot<1', 'p(99)<300', 'rate>10ms', 'count<5%', 'p(99)<1ms over 0s', 'errors.http_5xx<1 over 10s', { threshold: 'p(99)<1ms', abortOnFail: true }],
        maxRegression: ['p(99)=10', 'error_rate=1ms', 'count=5', 'rate=100%'],
        baseline: report,
      });
    } catch (err) {
      problems = [...(err as InvalidInputError).problems];
    }
    expect(problems).toEqual([
      expect.stringMatching(/^"bogus.p\(99\)<1ms": unknown metric "bogus.p\(99\)"/),
      '"error_rate<1ms": error_rate is a ratio: give a percentage (%), not "ms"',
      expect.stringMatching(/^"errors.pool_timeot<1": unknown error code "pool_timeot"/),
      '"p(99)<300": p(99) is a time: give ms, s or us',
      '"rate>10ms": rate is requests per second: give a number (or /s), not "ms"',
      '"count<5%": count is a count: give a plain number, not "%"',
      '"p(99)<1ms over 0s": a window must be longer than 0',
      expect.stringMatching(/^"errors.http_5xx<1 over 10s": errors.http_5xx is not kept per interval/),
      expect.stringMatching(/^"p\(99\)<1ms": abortOnFail needs a threshold that can be lost for good/),
      expect.stringMatching(/^"p\(99\)=10": p\(99\) is a time: allow a relative change \(%\) or an absolute one/),
      '"error_rate=1ms": error_rate is a ratio: allow a change in percentage points (%), not "ms"',
      expect.stringMatching(/^"count=5": count is a count and has no noise model/),
      '"rate=100%": a rate cannot drop by 100% or more',
    ]);
  });

  it('compare marks only differences beyond noise', () => {
    const rows = compareProfiles(syntheticProfile('a', LOGNORMAL, 5000, 1), syntheticProfile('b', SLOWER, 5000, 2));
    expect(rows.find((r) => r.metric === 'p(99)')!.beyondNoise).toBe(true);
    expect(rows.find((r) => r.metric === 'p(50)')!.beyondNoise).toBe(false);
  });

  it('tailgate gate: exit 0 on pass, 1 on failure, 2 on invalid input; JUnit of every check', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-gate-'));
    const base = join(dir, 'base.json');
    const cur = join(dir, 'cur.json');
    await writeFile(base, JSON.stringify(syntheticReport([syntheticProfile('a', LOGNORMAL, 5000, 1)])));
    await writeFile(cur, JSON.stringify(syntheticReport([syntheticProfile('a', SLOWER, 5000, 2)], { thresholds: ['p(99)<1s'], maxRegression: ['p(99)=10%'] })));
    const pass = await runCli(['gate', cur, '--threshold', 'p(99)<2s']);
    expect(pass.code).toBe(0);
    expect(pass.stdout).toContain('gate passed: 1 of 1 checks passed');
    const junit = join(dir, 'gate.xml');
    const fail = await runCli(['gate', cur, '--baseline', base, '--junit', junit]);
    expect(fail.code).toBe(1);
    expect(fail.stdout).toContain('gate FAILED: 1 of 2 checks failed, 1 passed');
    const xml = await readFile(junit, 'utf8');
    expect(xml).toContain('tests="2" failures="1"');
    expect(xml).toContain('<failure message=');
    const bad = await runCli(['gate', cur, '--threshold', 'p(99) is small']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('is not a threshold');
  });
});
