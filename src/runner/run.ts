/**
 * Runs a scenario: for each profile, against the same workload and load, one after another (the mock
 * reset in between), a warm-up then the measured run, and a ProfileReport of what happened.
 */
import net from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startMockServer, type MockServer } from '../../mock-server/index.js';
import { InvalidInputError, PerformanceClient, redactConfig, TargetUnreachableError, VERSION, type EngineObserver } from '../engine/index.js';
import { encodeHistogram, ProfileMetrics, summarize } from '../metrics/index.js';
import { runLoad, type LoadControl } from './load.js';
import type { ProfileReport, Report } from './report-types.js';
import type { ResolvedProfile, Scenario } from './scenario.js';
import { shardLoad, type Shard } from './shard.js';
import { workloadRequests } from './workload.js';

export interface Progress {
  profile: string;
  phase: 'warmup' | 'run' | 'draining';
  elapsedS: number;
  rps: number;
  p99Ms: number | null;
  errors: number;
  inFlight: number;
}

export interface RunOptions {
  /** Only these profiles, in this order. */
  profiles?: string[];
  /** A real endpoint instead of the scenario's target. */
  target?: string;
  rate?: number;
  durationS?: number;
  /** Send only this shard's share of the load (see shard.ts). */
  shard?: Shard;
  /** Stops the load (Ctrl+C, SIGTERM): in-flight requests get `graceMs` to finish, then the report is partial. */
  signal?: AbortSignal;
  graceMs?: number;
  onProgress?: (p: Progress) => void;
  env?: Record<string, string | undefined>;
}

export async function runScenario(scenario: Scenario, options: RunOptions = {}): Promise<Report> {
  const profiles = selectProfiles(scenario, options.profiles);
  const url = options.target ?? scenario.target.url;
  const overridden = { ...scenario.load, ...(options.rate !== undefined ? { rate: options.rate } : {}), ...(options.durationS !== undefined ? { durationS: options.durationS, requests: undefined } : {}) };
  const load = options.shard ? shardLoad(overridden, options.shard) : overridden;
  if (url) await assertReachable(url);
  const mock = url ? null : await startMockServer({ faults: scenario.target.mock.faults, embeddingDim: scenario.target.mock.embeddingDim, tokensPerSecond: scenario.target.mock.tokensPerSecond });
  const startedAt = new Date().toISOString();
  const reports: ProfileReport[] = [];
  let partial = false;
  try {
    for (const profile of profiles) {
      if (options.signal?.aborted) {
        partial = true;
        break;
      }
      const result = await runProfile({ ...scenario, load }, profile, mock, url ?? (mock as MockServer).url, options);
      reports.push(result.report);
      if (result.interrupted) {
        partial = true;
        break;
      }
    }
  } finally {
    await mock?.close();
  }
  return {
    schemaVersion: 1,
    tool: { name: 'tailgate', version: VERSION },
    scenario: { name: scenario.name, file: scenario.file, hash: scenario.hash },
    startedAt,
    endedAt: new Date().toISOString(),
    partial,
    target: { kind: mock ? 'mock' : 'url', url: url ?? (mock as MockServer).url },
    load,
    workload: { kind: scenario.workload.kind, path: scenario.workload.path, method: scenario.workload.method },
    gate: scenario.gate,
    shard: options.shard ?? null,
    profiles: reports,
  };
}

function selectProfiles(scenario: Scenario, names?: string[]): ResolvedProfile[] {
  if (!names || names.length === 0) return scenario.profiles;
  return names.map((n) => {
    const p = scenario.profiles.find((x) => x.name === n);
    if (!p) throw new InvalidInputError('--profile', [`no profile "${n}" in scenario ${scenario.name} (has ${scenario.profiles.map((x) => x.name).join(', ')})`]);
    return p;
  });
}

async function assertReachable(url: string): Promise<void> {
  const u = new URL(url);
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect({ host: u.hostname, port, timeout: 5_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new TargetUnreachableError(`cannot reach ${u.host}: no answer to a connect within 5 s`));
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      reject(new TargetUnreachableError(`cannot reach ${u.host}: ${err.code === 'ECONNREFUSED' ? 'connection refused' : err.message}`));
    });
  });
}

/** Forwards engine events to whichever metrics are current (warm-up, then the measured run). */
class SwitchingObserver implements EngineObserver {
  current: ProfileMetrics;
  constructor(first: ProfileMetrics) {
    this.current = first;
  }
  onAttemptEnd: EngineObserver['onAttemptEnd'] = (a) => this.current.onAttemptEnd(a);
  onSocketOpen: EngineObserver['onSocketOpen'] = (s) => this.current.onSocketOpen(s);
  onSocketClose: EngineObserver['onSocketClose'] = (s) => this.current.onSocketClose(s);
}

async function runProfile(
  scenario: Scenario,
  profile: ResolvedProfile,
  mock: MockServer | null,
  url: string,
  options: RunOptions,
): Promise<{ report: ProfileReport; interrupted: boolean }> {
  if (mock) {
    mock.setFaults(scenario.target.mock.faults);
    mock.reset();
  }
  const warm = new ProfileMetrics();
  const metrics = new ProfileMetrics();
  const observer = new SwitchingObserver(warm);
  const client = new PerformanceClient({
    baseUrl: url,
    config: { ...profile.config, headers: { ...profile.config.headers, ...scenario.target.headers } },
    observer,
    budgetFloor: profile.client.budgetFloor,
    requestIdPrefix: `tg-${profile.name}`,
    env: options.env ?? process.env,
  });
  const runAbort = new AbortController();
  const session = client.session(
    {
      maxConcurrentRequests: 1024,
      hedgeDelayS: profile.client.hedgeDelayS ?? null,
      hedgeBudgetPct: profile.client.hedgeBudgetPct,
      retryBudgetPct: profile.client.retryBudgetPct,
      maxRetries: profile.client.maxRetries,
      initialBackoffMs: profile.client.initialBackoffMs,
      maxBackoffMs: profile.client.maxBackoffMs,
      honorRetryAfter: profile.client.honorRetryAfter,
      ...(profile.client.timeoutS !== undefined ? { timeoutS: profile.client.timeoutS } : {}),
    },
    runAbort.signal,
  );
  // The load generator keeps no bodies: it counts bytes (streams are read as they arrive).
  const next = workloadRequests(scenario.workload, 1, scenario.workload.kind === 'stream' ? { onData: noop } : { discardBody: true });
  let current = warm;
  let wake: (() => void) | null = null;
  const ctl: LoadControl = {
    now: () => performance.now(),
    stopped: () => options.signal?.aborted === true,
    inFlight: () => current.inFlight,
    waitForCompletion: (ms) =>
      new Promise((resolve) => {
        const timer = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      }),
    fire: (intended, late) => {
      const m = current;
      m.requestStarted(late);
      return session.send(next()).then(
        () => done(m, intended, null),
        (err: { code?: string }) => done(m, intended, err.code ?? 'other'),
      );
    },
  };
  const done = (m: ProfileMetrics, intended: number, code: string | null) => {
    m.requestEnded(performance.now() - intended, code);
    const w = wake;
    wake = null;
    w?.();
  };
  const drain = async (m: ProfileMetrics, graceMs: number) => {
    const until = performance.now() + graceMs;
    while (m.inFlight > 0 && performance.now() < until) await ctl.waitForCompletion(20);
  };

  // Warm-up: same load, left out of the results (reported apart), drained before measuring.
  let warmup: ProfileReport['warmup'] = null;
  if (scenario.warmup && !options.signal?.aborted) {
    warm.start();
    await runLoad(ctl, { load: scenario.load, durationS: scenario.warmup.durationS ?? 3600, requests: scenario.warmup.requests ?? Infinity, ...phaseRates(scenario) });
    await drain(warm, 30_000);
    warm.stop();
    warmup = { requests: warm.requests.total, ok: warm.requests.ok, failed: warm.requests.failed, latencyMs: summarize(warm.latency) };
    mock?.reset();
  }

  // The measured run.
  current = metrics;
  observer.current = metrics;
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loop.enable();
  const phases: { t: number; name: string }[] = [];
  const started = performance.now();
  const phaseTimers = scenario.phases.map((p, i) =>
    setTimeout(() => {
      phases.push({ t: Math.round((performance.now() - started) / 100) / 10, name: p.name ?? `phase ${i + 1}` });
      if (p.faults && mock) mock.setFaults(p.faults);
    }, p.atS * 1000),
  );
  const progress = options.onProgress
    ? setInterval(() => {
        options.onProgress!({
          profile: profile.name,
          phase: 'run',
          elapsedS: (performance.now() - started) / 1000,
          rps: metrics.timeline.at(-1)?.rps ?? 0,
          p99Ms: metrics.latency.totalCount ? metrics.latency.getValueAtPercentile(99) / 1000 : null,
          errors: metrics.requests.failed,
          inFlight: metrics.inFlight,
        });
      }, 1000)
    : null;
  metrics.start();
  await runLoad(ctl, { load: scenario.load, ...phaseRates(scenario) });
  const interrupted = options.signal?.aborted === true;
  await drain(metrics, interrupted ? (options.graceMs ?? 5_000) : 600_000);
  const durationMs = performance.now() - started;
  metrics.stop();
  loop.disable();
  for (const t of phaseTimers) clearTimeout(t);
  if (progress) clearInterval(progress);
  const server = mock ? mock.stats() : null;
  // Whatever is still in flight after the grace period is aborted now.
  runAbort.abort();
  session.close();
  const stats = client.stats();
  await client.close();

  const report: ProfileReport = {
    name: profile.name,
    description: profile.description ?? null,
    config: redactConfig(profile.config),
    client: profile.client,
    durationMs: Math.round(durationMs),
    requests: { ...metrics.requests },
    attempts: { ...metrics.attempts },
    statuses: { ...metrics.statuses },
    errors: { ...metrics.errors },
    requestErrors: { ...metrics.requestErrors },
    connections: { ...metrics.connections },
    budgets: { hedge: { issued: stats.hedge, won: stats.hedgeWon, denied: stats.hedgeDenied }, retry: { issued: stats.retry, denied: stats.retryDenied } },
    latencyMs: summarize(metrics.latency),
    queueWaitMs: summarize(metrics.queueWait),
    connectMs: summarize(metrics.connect),
    ttfbMs: summarize(metrics.ttfb),
    histograms: {
      latency: encodeHistogram(metrics.latency),
      queueWait: encodeHistogram(metrics.queueWait),
      connect: encodeHistogram(metrics.connect),
      ttfb: encodeHistogram(metrics.ttfb),
    },
    timeline: metrics.timeline,
    phases,
    warmup,
    eventLoop: loop.count > 0 ? { meanMs: lag(loop.mean), p99Ms: lag(loop.percentile(99)), maxMs: lag(loop.max) } : null,
    server,
    findings: [],
  };
  return { report, interrupted };
}

/** Phase rate changes as a function of elapsed seconds (the latest phase at or before t wins). */
function phaseRates(scenario: Scenario): { rateAt?: (s: number) => number | undefined } {
  const withRate = scenario.phases.filter((p) => p.rate !== undefined).sort((a, b) => a.atS - b.atS);
  if (withRate.length === 0) return {};
  return {
    rateAt: (s) => {
      let rate: number | undefined;
      for (const p of withRate) if (p.atS <= s) rate = p.rate;
      return rate;
    },
  };
}

/** Node samples the loop with a timer of this period; each sample includes the period itself. */
const LOOP_RESOLUTION_MS = 10;
const lag = (ns: number) => Math.max(0, Math.round((ns / 1e6 - LOOP_RESOLUTION_MS) * 100) / 100);
function noop(): void {}
