/**
 * One profile's run: a warm-up (same load, reported apart), then the measured run, each a stage that
 * ends with a bounded drain. Requests still in flight when a stage ends (the grace ran out, or Ctrl+C)
 * are abandoned: aborted, counted as failed with code `abandoned`, and recorded at their age (a lower
 * bound), so a stall can never make the tail look better or a request vanish.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { MockProcess } from '../../mock-server/index.js';
import { PerformanceClient, redactConfig, sleep, TailgateError, type EngineObserver, type PreferenceInput } from '../engine/index.js';
import { ProfileMetrics, summarize, type Threshold } from '../metrics/index.js';
import { firstLost } from './abort-watch.js';
import { runLoad, type LoadControl, type LoadOptions } from './load.js';
import type { ProfileReport } from './report-types.js';
import type { ResolvedProfile, Scenario } from './scenario.js';
import { workloadRequests, type WorkloadRequest } from './workload.js';

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
}

/** A threshold that stopped the run early, and why. */
export interface StoppedBy {
  profile: string;
  threshold: string;
  detail: string;
}

/** Forwards engine events to whichever metrics are current (warm-up, then the measured run). */
class SwitchingObserver implements EngineObserver {
  constructor(public current: ProfileMetrics) {}
  onAttemptEnd: EngineObserver['onAttemptEnd'] = (a) => this.current.onAttemptEnd(a);
  onSocketOpen: EngineObserver['onSocketOpen'] = (s) => this.current.onSocketOpen(s);
  onSocketClose: EngineObserver['onSocketClose'] = (s) => this.current.onSocketClose(s);
  onPolicyEvent: EngineObserver['onPolicyEvent'] = (e) => this.current.onPolicyEvent(e);
}

const ABANDONED = (graceMs: number) => new TailgateError('abandoned', `still in flight when the run stopped (after a ${graceMs} ms grace)`);

/** The scenario's client policy as a session preference (one concurrency limit for the whole run). */
function sessionPreference(profile: ResolvedProfile): PreferenceInput {
  const c = profile.client;
  return {
    maxConcurrentRequests: 1024,
    hedgeDelayS: c.hedgeDelayS ?? null,
    hedgeBudgetPct: c.hedgeBudgetPct,
    retryBudgetPct: c.retryBudgetPct,
    ...(c.timeoutS !== undefined ? { timeoutS: c.timeoutS } : {}),
  };
}

/**
 * One stage: the load into `metrics` through a session of its own, then the drain, then whatever is
 * left is abandoned and recorded. Resolves once every request it started has been accounted for.
 */
async function runStage(client: PerformanceClient, profile: ResolvedProfile, next: () => WorkloadRequest, metrics: ProfileMetrics, load: LoadOptions, options: ProfileRunOptions): Promise<void> {
  const stop = new AbortController();
  const session = client.session(sessionPreference(profile), stop.signal);
  let wake: (() => void) | null = null;
  const done = (intended: number, code: string | null) => {
    metrics.requestEnded(performance.now() - intended, code);
    const w = wake;
    wake = null;
    w?.();
  };
  const ctl: LoadControl = {
    now: () => performance.now(),
    stopped: () => options.signal?.aborted === true,
    inFlight: () => metrics.inFlight,
    waitForCompletion: (ms) =>
      new Promise((resolve) => {
        const timer = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      }),
    fire: (intended, late) => {
      metrics.requestStarted(late);
      return session.send(next()).then(
        () => done(intended, null),
        (err: { code?: string }) => done(intended, err.code ?? 'other'),
      );
    },
  };
  await runLoad(ctl, load);
  metrics.endLoadWindow();
  const until = performance.now() + options.graceMs;
  while (metrics.inFlight > 0 && performance.now() < until && !options.hurry?.aborted) await ctl.waitForCompletion(Math.min(20, until - performance.now()));
  if (metrics.inFlight > 0) {
    stop.abort(ABANDONED(options.graceMs));
    // The aborts settle within a few ticks; bounded in case a request is stuck outside our reach.
    const by = performance.now() + 2_000;
    while (metrics.inFlight > 0 && performance.now() < by) await sleep(1);
  }
  session.close();
}

export async function runProfile(scenario: Scenario, profile: ResolvedProfile, given: ProfileRunOptions): Promise<{ report: ProfileReport; interrupted: boolean; stoppedBy: StoppedBy | null }> {
  const { mock } = given;
  // A lost abortOnFail threshold stops the run as Ctrl+C does.
  const lost = new AbortController();
  const options = { ...given, signal: given.signal ? AbortSignal.any([given.signal, lost.signal]) : lost.signal };
  if (mock) {
    await mock.setFaults(scenario.target.mock.faults);
    await mock.reset();
  }
  const warm = new ProfileMetrics();
  const metrics = new ProfileMetrics();
  const observer = new SwitchingObserver(warm);
  const client = new PerformanceClient({
    baseUrl: options.url,
    config: { ...profile.config, headers: { ...profile.config.headers, ...scenario.target.headers } },
    observer,
    budgetFloor: profile.client.budgetFloor,
    requestIdPrefix: `tg-${profile.name}`,
    env: options.env ?? process.env,
  });
  // The load generator keeps no bodies: it counts bytes (streams are read as they arrive).
  const next = workloadRequests(scenario.workload, 1, scenario.workload.kind === 'stream' ? { onData: noop } : { discardBody: true });
  const rateSteps = scenario.phases.filter((p) => p.rate !== undefined).map((p) => ({ atS: p.atS, rate: p.rate as number }));

  let warmup: ProfileReport['warmup'] = null;
  if (scenario.warmup && !options.signal?.aborted) {
    warm.start();
    await runStage(client, profile, next, warm, { load: scenario.load, durationS: scenario.warmup.durationS ?? 3600, requests: scenario.warmup.requests ?? Infinity, rateSteps }, options);
    warm.stop();
    warmup = { requests: warm.requests.total, ok: warm.requests.ok, failed: warm.requests.failed, latencyMs: summarize(warm.latency) };
    await mock?.reset();
  }

  const measured = await measure(scenario, profile, client, next, metrics, observer, rateSteps, options, lost);
  const server = mock ? await mock.stats() : null;
  await client.close();
  const report: ProfileReport = {
    name: profile.name,
    description: profile.description ?? null,
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

/** The measured run: phases on schedule, the generator's event loop watched, progress reported. */
async function measure(
  scenario: Scenario,
  profile: ResolvedProfile,
  client: PerformanceClient,
  next: () => WorkloadRequest,
  metrics: ProfileMetrics,
  observer: SwitchingObserver,
  rateSteps: LoadOptions['rateSteps'],
  options: ProfileRunOptions,
  lost: AbortController,
): Promise<{ phases: ProfileReport['phases']; eventLoop: ProfileReport['eventLoop']; stoppedBy: Omit<StoppedBy, 'profile'> | null }> {
  observer.current = metrics;
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loop.enable();
  const phases: ProfileReport['phases'] = [];
  const started = performance.now();
  const phaseTimers = scenario.phases.map((p, i) =>
    setTimeout(() => {
      phases.push({ t: Math.round((performance.now() - started) / 100) / 10, name: p.name ?? `phase ${i + 1}` });
      if (p.faults && options.mock) void options.mock.setFaults(p.faults).catch(noop);
    }, p.atS * 1000),
  );
  const progress = options.onProgress
    ? setInterval(() => {
        options.onProgress?.({
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
  // Created after metrics.start(), so each check runs just after the second it reads was closed.
  let stoppedBy: Omit<StoppedBy, 'profile'> | null = null;
  const watch = options.abortOn?.length
    ? setInterval(() => {
        stoppedBy = firstLost(options.abortOn as Threshold[], metrics);
        if (stoppedBy === null) return;
        clearInterval(watch as NodeJS.Timeout);
        lost.abort();
      }, 1000)
    : null;
  await runStage(client, profile, next, metrics, { load: scenario.load, rateSteps }, options);
  if (watch) clearInterval(watch);
  metrics.stop();
  loop.disable();
  for (const t of phaseTimers) clearTimeout(t);
  if (progress) clearInterval(progress);
  const eventLoop = loop.count > 0 ? { meanMs: lag(loop.mean), p99Ms: lag(loop.percentile(99)), maxMs: lag(loop.max) } : null;
  return { phases, eventLoop, stoppedBy };
}

/** Node samples the loop with a timer of this period; each sample includes the period itself. */
const LOOP_RESOLUTION_MS = 10;
const lag = (ns: number) => Math.max(0, Math.round((ns / 1e6 - LOOP_RESOLUTION_MS) * 100) / 100);
function noop(): void {}
