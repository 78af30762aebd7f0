/**
 * One profile's run: a warm-up (same load, reported apart), then the measured run, each a stage that
 * ends with a bounded drain. Requests still in flight when a stage ends (the grace ran out, or Ctrl+C)
 * are abandoned: aborted, counted as failed with code `abandoned`, and recorded at their age (a lower
 * bound), so a stall can never make the tail look better or a request vanish.
 */
import { PerformanceClient, redactConfig } from '../../engine/index.js';
import { ProfileMetrics, summarize } from '../../metrics/index.js';
import type { LoadOptions } from '../load/load.js';
import { measure } from './measure.js';
import { runStage } from './stage.js';
import type { ProfileReport } from '../../report/contract/report.js';
import type { ResolvedProfile, Scenario } from '../scenario/scenario.js';
import { traceReplay } from '../load/trace-replay.js';
import { workloadRequests } from '../scenario/workload.js';
import { SwitchingObserver, type ProfileRunOptions, type StoppedBy } from './run-options.js';
import { watchLive } from './live.js';

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
    options.faultsSetAt = performance.now();
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

  const barrierAt = await options.sync?.({ profile: profile.name, phase: 'run' }, options.signal);
  // A coordinated shard's run starts at the coordinator's barrier time, not at what its own clock says.
  const startedAt = new Date(typeof barrierAt === 'number' ? barrierAt : Date.now()).toISOString();
  watchLive(metrics, { runId: options.runId ?? '', scenario: scenario.name, profile: profile.name, shard: options.shard?.index ?? 1, shards: options.shard?.count ?? 1, startMs: typeof barrierAt === 'number' ? barrierAt : Date.now() }, options.live);
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
