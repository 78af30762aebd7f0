import { latencySampler, seededRandom, type LatencySpec } from '../../mock-server/index.js';
import { ProfileMetrics } from '../../src/metrics/index.js';
import { resolveConfig, TailgateError, type AttemptRecord } from '../../src/index.js';
import type { ProfileReport, Report } from '../../src/runner/index.js';

/**
 * A profile whose latencies are `n` draws from `spec` (seeded), failing `failed` of them: recorded through
 * ProfileMetrics, as a run records them, over a 10 s load window.
 */
export function syntheticProfile(name: string, spec: LatencySpec, n: number, seed: number, failed = 0, extra: Partial<ProfileReport> = {}): ProfileReport {
  const sample = latencySampler(spec, seededRandom(seed));
  let clock = 0;
  const metrics = new ProfileMetrics(() => clock);
  metrics.start();
  for (let i = 0; i < n; i++) {
    const ms = sample();
    const fails = i < failed;
    const error = fails ? new TailgateError('http_5xx', 'HTTP 500', { status: 500 }) : null;
    metrics.requestStarted(false);
    metrics.onAttemptEnd({ ...ATTEMPT, status: fails ? 500 : 200, error, ttfbMs: ms, totalMs: ms, holdMs: ms, reusedSocket: i >= 10 });
    metrics.requestEnded(ms, fails ? 'http_5xx' : null);
  }
  clock = 10_000;
  metrics.stop();
  return {
    name,
    description: null,
    preset: null,
    config: resolveConfig({}, { env: {} }),
    client: { hedgeBudgetPct: 0.1, retryBudgetPct: 0.05, budgetFloor: 2 },
    ...metrics.snapshot(),
    phases: [],
    warmup: null,
    eventLoop: { meanMs: 0, p99Ms: 1, maxMs: 2 },
    server: null,
    findings: [],
    ...extra,
  };
}

const ATTEMPT: AttemptRecord = {
  kind: 'primary',
  sent: true,
  method: 'POST',
  path: '/v1/embeddings',
  startedAt: 0,
  queueWaitMs: 0,
  connectMs: null,
  ttfbMs: null,
  totalMs: 0,
  holdMs: null,
  status: 200,
  bytesReceived: 0,
  error: null,
  socket: null,
  reusedSocket: true,
  requestsBeforeOnSocket: 1,
  idleBeforeMs: 0,
};

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
