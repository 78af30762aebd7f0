/**
 * A run's series from a profile's live sample: the last sample is taken when the run stops and holds what
 * the report will, and streams' TTFT and ITL are exported only when a run streamed. No network.
 */
import { describe, expect, it } from 'vitest';
import { liveSample, ProfileMetrics, type LiveRun, type LiveSample, type StreamOutcome } from '../../src/metrics/index.js';
import { BUCKET_BOUNDS_US, prometheusName, runFamilies, type Family } from '../../src/export/index.js';

const RUN: LiveRun = { runId: 'abc123', scenario: 's', profile: 'p', shard: 2, shards: 3, startMs: 0 };

function stream(ttftMs: number, gaps: number[]): StreamOutcome {
  const t = { ttftMs, itlMs: gaps, tpotMs: gaps.length ? gaps.reduce((a, b) => a + b, 0) / gaps.length : null };
  return { tokens: gaps.length + 1, source: 'counted', byDefinition: { tailgate: t, vllm: t, 'genai-perf': t } };
}

const family = (fs: Family[], name: string) => fs.find((f) => prometheusName(f) === name);

describe('a run’s live series', () => {
  it('the sample taken as the run stops holds every request the report counts, the last partial second included', () => {
    const m = new ProfileMetrics();
    const samples: LiveSample[] = [];
    m.onSecond = (x) => samples.push(liveSample(x, BUCKET_BOUNDS_US));
    m.start();
    for (let i = 0; i < 5; i++) m.requestStarted(i === 4, 0);
    for (let i = 0; i < 4; i++) m.requestEnded(10 + i, i === 3 ? 'http_5xx' : null);
    m.requestEnded(2_000, 'abandoned');
    m.stop();
    const last = samples.at(-1) as LiveSample;
    const report = m.snapshot();
    expect(last.requests).toEqual({ started: report.requests.total, ok: report.requests.ok, late: report.requests.late, failed: report.requestErrors });
    expect(last.histograms.latency.count).toBe(report.latencyMs?.count);
    const fs = runFamilies(RUN, last);
    expect(family(fs, 'tailgate_requests_total')?.points.map((p) => [(p.labels as Record<string, string>).outcome, (p as { value: number }).value])).toEqual([['ok', 3], ['http_5xx', 1], ['abandoned', 1]]);
    expect(family(fs, 'tailgate_requests_started_total')?.points[0]?.labels).toEqual({ scenario: 's', profile: 'p', shard: '2', run_id: 'abc123' });
    // Nothing is sampled once the run has stopped.
    m.closeSecond();
    expect(samples.at(-1)).toBe(last);
  });

  it('TTFT and ITL histograms only from a run that streamed', () => {
    const plain = new ProfileMetrics();
    plain.requestStarted(false);
    plain.requestEnded(5, null);
    const without = runFamilies(RUN, liveSample(plain, BUCKET_BOUNDS_US));
    expect(family(without, 'tailgate_ttft_seconds')).toBeUndefined();
    expect(family(without, 'tailgate_request_latency_seconds')?.points[0]).toMatchObject({ count: 1 });

    const streamed = new ProfileMetrics();
    for (const s of [stream(40, [5, 6, 7]), stream(60, [8])]) {
      streamed.requestStarted(false);
      streamed.requestEnded(100, null, s);
    }
    const fs = runFamilies(RUN, liveSample(streamed, BUCKET_BOUNDS_US));
    expect(family(fs, 'tailgate_ttft_seconds')?.points[0]).toMatchObject({ count: 2 });
    expect(family(fs, 'tailgate_itl_seconds')?.points[0]).toMatchObject({ count: 4 });
    const sum = (family(fs, 'tailgate_ttft_seconds')?.points[0] as { sum: number }).sum;
    expect(sum).toBeCloseTo(0.1, 3);
  });
});
