/**
 * A report's cost to read is bounded by its declaration's limits, not by what a crafted file asks for:
 * a million empty profiles are refused by the list's length (one problem, not a million), a histogram
 * whose header asks for a huge layout is refused before hdr-histogram-js allocates it, and a run's real
 * report is far within every limit.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { histogramProblem, MAX_HISTOGRAM_CHARS } from '../../src/metrics/contract.js';
import { encodeHistogram } from '../../src/metrics/index.js';
import { MAX_PROFILES, reportProblems } from '../../src/report/index.js';
import { runMain } from '../helpers/cli.js';
import { syntheticProfile, syntheticReport } from '../helpers/synthetic-report.js';

const good = () => JSON.parse(JSON.stringify(syntheticReport([syntheticProfile('a', { dist: 'fixed', ms: 10 }, 100, 1)]))) as Record<string, unknown>;

describe('reading a report costs what its limits allow', () => {
  it('a million empty profiles: one problem, by the length alone, and exit 2', async () => {
    const text = JSON.stringify({ ...good(), profiles: [] }).replace('"profiles":[]', `"profiles":[${new Array(1_000_000).fill('{}').join(',')}]`);
    expect(text.length).toBeGreaterThan(2_000_000);
    const before = process.memoryUsage().heapUsed;
    const problems = reportProblems(JSON.parse(text));
    expect(problems).toEqual([`profiles must have at most ${MAX_PROFILES} item(s), got 1000000`]);
    // The parsed million objects are the file's cost; checking them added none per profile (a problem each was gigabytes).
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(400 * 1024 * 1024);
    const file = join(await mkdtemp(join(tmpdir(), 'tailgate-million-')), 'r.json');
    await writeFile(file, text);
    const r = await runMain(['gate', file, '--threshold', 'p(99)<1s']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('profiles must have at most 1000 item(s), got 1000000');
  });

  it('a histogram of another layout (5 digits up to 2^53 µs) is refused before it is decoded', () => {
    const huge = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 2 ** 53, numberOfSignificantValueDigits: 5, bitBucketSize: 32, useWebAssembly: false });
    huge.recordValue(2 ** 50);
    const encoded = hdr.encodeIntoCompressedBase64(huge);
    expect(histogramProblem(encoded)).toMatch(/^is of another layout \(5 digits, 1\.\.9007199254740992 µs; tailgate's are 3 digits/);
    const report = good();
    const p = (report.profiles as { histograms: Record<string, string> }[])[0]!;
    p.histograms.latency = encoded;
    expect(reportProblems(report)).toEqual([`profiles[0].histograms.latency ${histogramProblem(encoded)}`]);
    // Ours pass, and are far shorter than the limit.
    const ours = p.histograms.ttfb!;
    expect(histogramProblem(ours)).toBeNull();
    expect(ours.length).toBeLessThan(MAX_HISTOGRAM_CHARS / 10);
    expect(histogramProblem(encodeHistogram(hdr.build()))).not.toBeNull();
  });
});
