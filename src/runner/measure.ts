/** The measured stage of a profile's run: phases on schedule, the event loop watched, progress, abortOnFail. */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { PerformanceClient } from '../engine/index.js';
import type { ProfileMetrics, Threshold } from '../metrics/index.js';
import { firstLost } from './abort-watch.js';
import type { LoadOptions } from './load.js';
import type { ProfileRunOptions, StoppedBy, SwitchingObserver } from './profile-run.js';
import type { ProfileReport } from './report-types.js';
import type { ResolvedProfile, Scenario } from './scenario.js';
import { runStage } from './stage.js';
import type { WorkloadRequest } from './workload.js';

/** The measured run: phases on schedule, the generator's event loop watched, progress reported. */
export async function measure(
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
  const at = (ms: number) => Math.round((ms - started) / 100) / 10;
  // The scenario's listener-down windows, on this run's clock (they count from when the faults were set).
  const downWindows = (setAt: number, faults: { down: { atMs: number; forMs: number }[] }) => {
    for (const w of faults.down) if (at(setAt + w.atMs + w.forMs) > 0) phases.push({ t: Math.max(0, at(setAt + w.atMs)), name: 'listener down', faults: true, endT: at(setAt + w.atMs + w.forMs) });
  };
  if (options.mock && options.faultsSetAt !== undefined) downWindows(options.faultsSetAt, scenario.target.mock.faults);
  const phaseTimers = scenario.phases.map((p, i) =>
    setTimeout(() => {
      const now = performance.now();
      phases.push({ t: at(now), name: p.name ?? `phase ${i + 1}`, ...(p.faults && options.mock ? { faults: true } : {}) });
      if (p.faults && options.mock) {
        void options.mock.setFaults(p.faults).catch(noop);
        downWindows(now, p.faults);
      }
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
  await runStage(client, profile, next, metrics, { load: scenario.load, rateSteps }, options, scenario.workload.kind === 'stream');
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
