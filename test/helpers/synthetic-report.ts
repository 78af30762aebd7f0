import { latencySampler, seededRandom, type LatencySpec } from '../../mock-server/index.js';
import { createHistogram, encodeHistogram, recordMs, summarize } from '../../src/metrics/index.js';
import { resolveConfig } from '../../src/index.js';
import type { ProfileReport, Report } from '../../src/runner/index.js';

/** A profile whose latencies are `n` draws from `spec` (seeded), failing `failed` of them. */
export function syntheticProfile(name: string, spec: LatencySpec, n: number, seed: number, failed = 0, extra: Partial<ProfileReport> = {}): ProfileReport {
  const h = createHistogram();
  const sample = latencySampler(spec, seededRandom(seed));
  for (let i = 0; i < n; i++) recordMs(h, sample());
  const empty = encodeHistogram(createHistogram());
  return {
    name,
    description: null,
    config: resolveConfig({}, { env: {} }),
    client: { hedgeBudgetPct: 0.1, retryBudgetPct: 0.05, maxRetries: 0, initialBackoffMs: 125, maxBackoffMs: 10_000, budgetFloor: 2, honorRetryAfter: true },
    durationMs: 10_000,
    requests: { total: n, ok: n - failed, failed, late: 0 },
    attempts: { total: n, primary: n, hedge: 0, retry: 0 },
    statuses: { '200': n - failed, ...(failed ? { '500': failed } : {}) },
    errors: failed ? { http_5xx: failed } : {},
    requestErrors: failed ? { http_5xx: failed } : {},
    connections: { opened: 10, reused: n - 10, closedByServer: 0, closedByClient: 0, stale: 0 },
    budgets: { hedge: { issued: 0, won: 0, denied: 0 }, retry: { issued: 0, denied: 0 } },
    latencyMs: summarize(h),
    queueWaitMs: null,
    connectMs: null,
    ttfbMs: summarize(h),
    histograms: { latency: encodeHistogram(h), queueWait: empty, connect: empty, ttfb: encodeHistogram(h) },
    timeline: [],
    phases: [],
    warmup: null,
    eventLoop: { meanMs: 0, p99Ms: 1, maxMs: 2 },
    server: null,
    findings: [],
    ...extra,
  };
}

export function syntheticReport(profiles: ProfileReport[], gate: Report['gate'] = { thresholds: [], maxRegression: [] }): Report {
  return {
    schemaVersion: 1,
    tool: { name: 'tailgate', version: 'test' },
    scenario: { name: 'synthetic', file: null, hash: '0' },
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:00:10.000Z',
    partial: false,
    target: { kind: 'url', url: 'http://127.0.0.1:1' },
    load: { model: 'open', rate: 100, durationS: 10, thinkTimeMs: 0, maxInFlight: 1024 },
    workload: { kind: 'embed', path: '/v1/embeddings', method: 'POST' },
    gate,
    profiles,
  };
}
