/** The measured stage of a profile's run: phases on schedule, the event loop watched, progress, abortOnFail. */
import type { PerformanceClient } from '../../engine/index.js';
import type { ProfileMetrics, Threshold } from '../../metrics/index.js';
import { firstLost } from './abort-watch.js';
import type { LoadOptions } from '../load/load.js';
import type { ProfileRunOptions, StoppedBy, SwitchingObserver } from './run-options.js';
import type { ProfileReport } from '../../report/contract/report.js';
import type { ResolvedProfile, Scenario } from '../scenario/scenario.js';
import { runStage } from './stage.js';
import type { WorkloadRequest } from '../scenario/workload.js';

/** The measured run: phases on schedule, progress reported; the generator's event loop is watched by its metrics. */
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
  for (const t of phaseTimers) clearTimeout(t);
  if (progress) clearInterval(progress);
  // The event loop's delay as the generator's probe saw it (1 ms resolution: metrics/loop-probe.ts).
  const d = metrics.probe.delay;
  const ms = (us: number) => Math.round(us / 10) / 100;
  const eventLoop = d.totalCount > 0 ? { meanMs: ms(d.mean), p99Ms: ms(d.getValueAtPercentile(99)), maxMs: ms(d.maxValue) } : null;
  return { phases, eventLoop, stoppedBy };
}

function noop(): void {}
