/**
 * One stage of a profile's run (the warm-up, or the measured run): the load through a session of its
 * own, then a bounded drain; whatever is still in flight is then abandoned, counted failed and recorded
 * at its age, so a stall can never make the tail look better or a request vanish.
 */
import { TailgateError, type LogicalListener, type PerformanceClient, type PreferenceInput } from '../../engine/index.js';
import { StreamMeter, type ProfileMetrics } from '../../metrics/index.js';
import { sleep } from '../../util/index.js';
import { LATE_AFTER_MS, runLoad, type LoadControl, type LoadOptions, type Pending } from '../load/load.js';
import type { ProfileRunOptions } from './run-options.js';
import type { ResolvedProfile } from '../scenario/scenario.js';
import type { WorkloadRequest } from '../scenario/workload.js';

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
export async function runStage(client: PerformanceClient, profile: ResolvedProfile, next: () => WorkloadRequest, metrics: ProfileMetrics, load: LoadOptions, options: ProfileRunOptions, streams = false): Promise<void> {
  const stop = new AbortController();
  const session = client.session(sessionPreference(profile), stop.signal);
  let wake: (() => void) | null = null;
  const done = (intended: number, sentAt: number, generatorLag: number, code: string | null, meter?: StreamMeter) => {
    const now = performance.now();
    metrics.requestEnded(now - intended, code, meter?.outcome(now), generatorLag, metrics.probe.stallSince(sentAt, now), now);
    const w = wake;
    wake = null;
    w?.();
  };
  const codeOf = (err: unknown): string => (err as { code?: string } | null | undefined)?.code ?? 'other';
  // Told by the session as each request ends: one object for the whole stage, the request's own state in the tag.
  const ended: LogicalListener<Pending> = {
    logicalEnded(p, err) {
      done(p.intendedStart, p.sentAt, p.generatorLag, err === null ? null : codeOf(err));
      p.requestEnded();
    },
  };
  const send = (p: Pending, lagMs: number, generatorLagMs: number): void => {
    metrics.requestStarted(lagMs > LATE_AFTER_MS, lagMs);
    p.sentAt = p.intendedStart + lagMs;
    p.generatorLag = generatorLagMs;
    if (!streams) {
      session.submit(next(), ended, p);
      return;
    }
    // A stream's tokens are timed as the client reads them: one meter per streamed request.
    const intended = p.intendedStart;
    const sentAt = p.sentAt;
    const generatorLag = p.generatorLag;
    const meter = new StreamMeter(intended);
    session.send({ ...next(), onData: meter.onData }).then(
      () => {
        done(intended, sentAt, generatorLag, null, meter);
        p.requestEnded();
      },
      (err: unknown) => {
        done(intended, sentAt, generatorLag, codeOf(err), meter);
        p.requestEnded();
      },
    );
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
    send,
    fire: (intended, lagMs) => new Promise<void>((resolve) => send({ intendedStart: intended, sentAt: 0, generatorLag: 0, requestEnded: resolve }, lagMs, lagMs)),
  };
  await runLoad(ctl, options.traceAtMs ? { ...load, traceAtMs: options.traceAtMs } : load);
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

