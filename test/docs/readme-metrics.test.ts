/**
 * The README's list of gate metrics is the metric registry's rendering, and every metric it lists is one
 * the gate takes (with the unit the list gives it) and reads from a recorded profile: the list, the
 * parser and the readings cannot drift apart.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { COUNT_FAMILIES, COUNTS, metricOf, metricsMarkdown, parseGateExpressions, RATE, RATIOS, TIMINGS } from '../../src/metrics/index.js';
import { syntheticProfile } from '../helpers/synthetic-report.js';

const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
const listed = /<!-- metrics:[^>]*-->\n([\s\S]*?)\n<!-- \/metrics -->/.exec(readme)?.[1];

/** One threshold per declared metric, with a unit of its kind. */
const thresholds = [
  ...Object.keys(TIMINGS).map((n) => `${n}.p(99)<1s`),
  ...Object.keys(RATIOS).map((n) => `${n}<=100%`),
  `${RATE.name}>=0`,
  ...Object.keys(COUNTS).map((n) => `${n}>=0`),
  `${Object.keys(COUNT_FAMILIES)[0]}.pool_timeout>=0`,
  `${Object.keys(COUNT_FAMILIES)[1]}.429>=0`,
];

describe('the metric registry', () => {
  it("is the README's metric list, rendered", () => {
    expect(listed, 'README.md has a <!-- metrics --> … <!-- /metrics --> block').toBeDefined();
    expect(listed).toBe(metricsMarkdown());
  });

  it('every metric it declares is taken by the gate and read from a recorded profile', () => {
    const { thresholds: parsed } = parseGateExpressions(thresholds, []);
    expect(parsed.map((t) => t.spec.name)).toHaveLength(thresholds.length);
    const profile = syntheticProfile('a', { dist: 'fixed', ms: 10 }, 200, 1, 20);
    // Latency was recorded (10 ms each), 20 of 200 failed: the registry's readings say so.
    expect(metricOf(profile, 'p(99)').value).toBeCloseTo(10, 0);
    expect(metricOf(profile, 'error_rate').value).toBeCloseTo(0.1, 5);
    expect(metricOf(profile, 'failed').value).toBe(20);
    expect(metricOf(profile, 'count').value).toBe(200);
    for (const t of parsed) expect(() => metricOf(profile, t.spec.name), t.spec.name).not.toThrow();
  });
});
