import { latencySampler, seededRandom, type LatencySpec } from '../../mock-server/index.js';
import { ProfileMetrics } from '../../src/metrics/index.js';
import { resolveConfig, TailgateError, type AttemptRecord } from '../../src/index.js';
import type { ProfileReport, Report } from '../../src/runner/index.js';

/**
 * A profile whose latencies are `n` draws from `spec` (seeded), failing `failed` of them: recorded through
 * ProfileMetrics, as a run records them, spread evenly over a 10 s load window (10 intervals).
 */
export function syntheticProfile(name: string, spec: LatencySpec, n: number, seed: number, failed = 0, extra: Partial<ProfileReport> = {}): ProfileReport {
  return profileFromLatencies(name, syntheticLatencies(spec, n, seed), { failed, extra });
}

/** `n` draws from `spec`, seeded. */
export function syntheticLatencies(spec: LatencySpec, n: number, seed: number): number[] {
  const sample = latencySampler(spec, seededRandom(seed));
  return Array.from({ length: n }, () => sample());
}

/**
 * A profile from a given latency series (in order), over `seconds` (one interval each), failing the first
 * `failed` (or, with `spread`, every (n/failed)th); `generatorMs`: how much of each latency the load
 * generator's own delay may account for (one value for all, or one per request).
 */
export function profileFromLatencies(
  name: string,
  latencies: number[],
  o: { seconds?: number; failed?: number; spread?: boolean; generatorMs?: number | number[]; extra?: Partial<ProfileReport> } = {},
): ProfileReport {
  const seconds = o.seconds ?? 10;
  const failed = o.failed ?? 0;
  const every = failed > 0 ? latencies.length / failed : Infinity;
  const generator = (i: number) => (typeof o.generatorMs === 'number' ? o.generatorMs : (o.generatorMs?.[i] ?? 0));
  let clock = 0;
  const metrics = new ProfileMetrics(() => clock);
  metrics.start();
  const perSecond = latencies.length / seconds;
  latencies.forEach((ms, i) => {
    const second = Math.floor(i / perSecond);
    while (clock < second * 1000) {
      clock += 1000;
      metrics.closeSecond();
    }
    const fails = o.spread ? i % every < 1 : i < failed;
    const error = fails ? new TailgateError('http_5xx', 'HTTP 500', { status: 500 }) : null;
    metrics.requestStarted(false);
    metrics.onAttemptEnd({ ...ATTEMPT, status: fails ? 500 : 200, error, ttfbMs: ms, totalMs: ms, holdMs: ms, reusedSocket: i >= 10 });
    // The generator's part as a stall (an upper bound): its known lag is tested through real runs.
    metrics.requestEnded(ms, fails ? 'http_5xx' : null, undefined, 0, generator(i));
  });
  clock = seconds * 1000;
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
    ...o.extra,
  };
}

/**
 * An AR(1) latency series, as a queue makes one: each latency leans on the one before (phi near 1: long
 * slow and fast stretches). Marginal mean `meanMs`, marginal sd `sdMs`; seeded.
 */
export function ar1Latencies(n: number, seed: number, o: { meanMs: number; sdMs: number; phi: number }): number[] {
  const rand = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const innovation = o.sdMs * Math.sqrt(1 - o.phi ** 2);
  const out: number[] = [];
  let x = o.meanMs + o.sdMs * gauss();
  for (let i = 0; i < n; i++) {
    x = o.meanMs + o.phi * (x - o.meanMs) + innovation * gauss();
    out.push(Math.max(0.1, x));
  }
  return out;
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

/** The profile as a tailgate without per-request generator delay wrote it (older reports). */
export function withoutGeneratorDelay(p: ProfileReport): ProfileReport {
  const { latencySent: _t, latencyNet: _n, startLag: _s, loopDelay: _l, ...histograms } = p.histograms;
  const { generator: _g, ...rest } = p;
  const intervals = rest.intervals && { ...rest.intervals, histograms: Object.fromEntries(Object.entries(rest.intervals.histograms).filter(([k]) => k !== 'latencyNet' && k !== 'latencySent')) as never };
  return { ...rest, histograms: histograms as ProfileReport['histograms'], ...(intervals ? { intervals } : {}) };
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
