/**
 * One profile's run: a warm-up (same load, reported apart), then the measured run, each a stage that
 * ends with a bounded drain. Requests still in flight when a stage ends (the grace ran out, or Ctrl+C)
 * are abandoned: aborted, counted as failed with code `abandoned`, and recorded at their age (a lower
 * bound), so a stall can never make the tail look better or a request vanish.
 */
import type { MockProcess } from '../../mock-server/index.js';
import { PerformanceClient, redactConfig, type EngineObserver } from '../engine/index.js';
import { ProfileMetrics, summarize, type Threshold } from '../metrics/index.js';
import { watchLive, type LiveOptions } from './live.js';
import type { LoadOptions } from './load.js';
import { measure } from './measure.js';
import { runStage } from './stage.js';
import type { ProfileReport } from './report-types.js';
import type { ResolvedProfile, Scenario } from './scenario.js';
import type { Step } from './distributed/protocol.js';
import type { Shard } from './shard.js';
import { traceReplay } from './trace-replay.js';
import { workloadRequests } from './workload.js';

/** How long in-flight requests may finish after the load (or Ctrl+C) before they are abandoned. */
export const DEFAULT_GRACE_MS = 10_000;

export interface Progress {
  profile: string;
  phase: 'warmup' | 'run' | 'draining';
  elapsedS: number;
  rps: number;
  p99Ms: number | null;
  errors: number;
  inFlight: number;
}

export interface ProfileRunOptions {
  url: string;
  mock: MockProcess | null;
  signal?: AbortSignal;
  graceMs: number;
  /** Cuts the grace short (a second Ctrl+C): what is still in flight is abandoned now. */
  hurry?: AbortSignal;
  onProgress?: (p: Progress) => void;
  env?: Record<string, string | undefined>;
  /** Thresholds marked abortOnFail: the measured run stops once one is lost (abort-watch.ts). */
  abortOn?: Threshold[];
  /** This shard's share: a trace's shard replays every Nth line. */
  shard?: Shard;
  /** A coordinated shard: wait until every shard reaches this step and begin with them (distributed/). */
  sync?: (step: Step, signal?: AbortSignal) => Promise<void>;
  /** The trace model's schedule (its lines' offsets in ms, ascending), read before the run. */
  traceAtMs?: Float64Array;
  /** Live export: the measured run sampled each second (live.ts). */
  live?: LiveOptions;
  /** The run's id (its live series' label). */
  runId?: string;
}

/** A threshold that stopped the run early, and why. */
export interface StoppedBy {
  profile: string;
  threshold: string;
  detail: string;
}

/** Forwards engine events to whichever metrics are current (warm-up, then the measured run). */
export class SwitchingObserver implements EngineObserver {
  constructor(public current: ProfileMetrics) {}
  onAttemptEnd: EngineObserver['onAttemptEnd'] = (a) => this.current.onAttemptEnd(a);
  onSocketOpen: EngineObserver['onSocketOpen'] = (s) => this.current.onSocketOpen(s);
  onSocketClose: EngineObserver['onSocketClose'] = (s) => this.current.onSocketClose(s);
  onPolicyEvent: EngineObserver['onPolicyEvent'] = (e) => this.current.onPolicyEvent(e);
}

export async function runProfile(scenario: Scenario, profile: ResolvedProfile, given: ProfileRunOptions): Promise<{ report: ProfileReport; interrupted: boolean; stoppedBy: StoppedBy | null }> {
  const { mock } = given;
  // A lost abortOnFail threshold stops the run as Ctrl+C does.
  const lost = new AbortController();
  const options = { ...given, signal: given.signal ? AbortSignal.any([given.signal, lost.signal]) : lost.signal };
  // The load generator keeps no bodies: it counts bytes (streams are read as they arrive).
  const next = workloadRequests(scenario.workload, 1, scenario.workload.kind === 'stream' ? { onData: noop } : { discardBody: true });
  // The trace model's lines (read and checked first, before the client exists) carry their own schedule and requests.
  const replay = scenario.load.model === 'trace' ? await traceReplay(scenario, next, options.shard) : null;
  if (replay) options.traceAtMs = replay.atMs;
  if (mock) {
    await mock.setFaults(scenario.target.mock.faults);
    await mock.reset();
  }
  const warm = new ProfileMetrics();
  const metrics = new ProfileMetrics();
  metrics.slo = profile.slo;
  metrics.definitions = scenario.metricDefinitions;
  const observer = new SwitchingObserver(warm);
  const client = new PerformanceClient({
    baseUrl: options.url,
    config: { ...profile.config, headers: { ...profile.config.headers, ...scenario.target.headers } },
    observer,
    budgetFloor: profile.client.budgetFloor,
    requestIdPrefix: `tg-${profile.name}`,
    env: options.env ?? process.env,
  });
  const rateSteps = scenario.phases.filter((p) => p.rate !== undefined).map((p) => ({ atS: p.atS, rate: p.rate as number }));

  let warmup: ProfileReport['warmup'] = null;
  if (scenario.warmup && !options.signal?.aborted) {
    await options.sync?.({ profile: profile.name, phase: 'warmup' }, options.signal);
    warm.start();
    await runStage(client, profile, replay ? replay.requests() : next, warm, { load: scenario.load, durationS: scenario.warmup.durationS ?? 3600, requests: scenario.warmup.requests ?? Infinity, rateSteps }, options, scenario.workload.kind === 'stream');
    warm.stop();
    warmup = { requests: warm.requests.total, ok: warm.requests.ok, failed: warm.requests.failed, latencyMs: summarize(warm.latency) };
    await mock?.reset();
  }

  await options.sync?.({ profile: profile.name, phase: 'run' }, options.signal);
  watchLive(metrics, { runId: options.runId ?? '', scenario: scenario.name, profile: profile.name, shard: options.shard?.index ?? 1, shards: options.shard?.count ?? 1, startMs: Date.now() }, options.live);
  const startedAt = new Date().toISOString();
  const measured = await measure(scenario, profile, client, replay ? replay.requests() : next, metrics, observer, rateSteps, options, lost);
  const server = mock ? await mock.stats() : null;
  await client.close();
  const report: ProfileReport = {
    name: profile.name,
    description: profile.description ?? null,
    startedAt,
    preset: profile.preset,
    config: redactConfig(profile.config),
    client: profile.client,
    ...metrics.snapshot(),
    phases: measured.phases,
    warmup,
    eventLoop: measured.eventLoop,
    server,
    findings: [],
  };
  const stoppedBy = measured.stoppedBy ? { profile: profile.name, ...measured.stoppedBy } : null;
  return { report, interrupted: options.signal.aborted, stoppedBy };
}

function noop(): void {}
