/**
 * Load models. Each only decides *when* a request is meant to start and calls fire(intendedStart, late);
 * the caller measures latency from intendedStart, so a slow server cannot slow the schedule down and hide
 * its own latency (no coordinated omission). Open models never skip a due request: when the in-flight
 * cap is reached, due requests wait and are counted late.
 *
 * What each model measures: open and ramping measure latency from each request's due time on a schedule
 * the server cannot slow (what users see at that arrival rate); closed measures from when each user sends,
 * which a slow server delays (service time at a concurrency, not latency at a rate); bursts measures each
 * request from its burst's start; trace measures each line from its due time (start + atMs/speedup), as
 * open does. Open and ramping arrivals are constant, or random (poisson, gamma) as arrivals.ts draws them.
 */
import { sleep } from '../../engine/index.js';
import { dueTimes, type RatePlan } from './arrivals.js';
import { EARLY_MS, SpinBudget } from '../../util/index.js';
import type { Scenario } from '../scenario/scenario.js';

/** A request sent this much after its intended start counts as late. */
export const LATE_AFTER_MS = 10;

/** One logical request as a load model sees it: when it was meant to start, and who hears that it ended. */
export interface Pending {
  readonly intendedStart: number;
  /** When it was sent, and how much of its lag was the generator's own (both set by whoever sends it). */
  sentAt: number;
  generatorLag: number;
  /** It ended (never called synchronously from send). */
  requestEnded(): void;
}

export interface LoadControl {
  now(): number;
  /** Start one logical request `lagMs` after its intended start (all of it the generator's own); resolves when it ends. */
  fire(intendedStart: number, lagMs: number): Promise<void>;
  /**
   * Start one logical request `lagMs` after its intended start and tell `pending` when it ends: fire() with
   * no promise, for the hot loops. `generatorLagMs`: the part of the lag that is the generator's own (0 when
   * it waited for the in-flight cap, which the server's slowness decides).
   */
  send(pending: Pending, lagMs: number, generatorLagMs: number): void;
  inFlight(): number;
  /** True once the run is being stopped (Ctrl+C, or a fatal error). */
  stopped(): boolean;
  /** Resolves at the next completion, or after `ms`, whichever is first. */
  waitForCompletion(ms: number): Promise<void>;
}

export interface LoadOptions {
  load: Scenario['load'];
  /** Overrides for a short run (warm-up) or from the command line. */
  durationS?: number;
  requests?: number;
  /** Rate changes from phases: [{atS, rate}]. */
  rateSteps?: { atS: number; rate: number }[];
  /** The trace model's offsets in ms, ascending (the file is read and checked before the run: trace-file.ts). */
  traceAtMs?: Float64Array;
}

/** The load's length in seconds (Infinity when only a request count bounds it). */
export function loadDurationS(load: Scenario['load'], override?: number): number {
  return override ?? load.durationS ?? (load.stages ? load.stages.reduce((a, s) => a + s.durationS, 0) : Infinity);
}

export async function runLoad(ctl: LoadControl, opts: LoadOptions): Promise<void> {
  const { load } = opts;
  const start = ctl.now();
  const end = start + loadDurationS(load, opts.durationS) * 1000;
  const limit = opts.requests ?? load.requests ?? Infinity;
  let issued = 0;
  const more = () => !ctl.stopped() && issued < limit && ctl.now() < end;

  if (load.model === 'closed') {
    // more(), reading the clock once: its reading is the request's intended start (-1: no more).
    const take = (): number => {
      if (ctl.stopped() || issued >= limit) return -1;
      const now = ctl.now();
      if (!(now < end)) return -1;
      issued++;
      return now;
    };
    await closedLoop(ctl, load.users ?? 1, load.thinkTimeMs, take, more);
    return;
  }

  if (load.model === 'bursts') {
    const size = load.burstSize ?? 1;
    while (more()) {
      const at = ctl.now();
      const burst: Promise<void>[] = [];
      for (let i = 0; i < size && more(); i++) {
        issued++;
        burst.push(ctl.fire(at, ctl.now() - at));
      }
      await Promise.all(burst);
      // The idle gap: connections sit unused, which is what exposes keep-alive expiry.
      if (more()) await sleep(load.burstGapMs ?? 0);
    }
    return;
  }

  // Open models and trace replay: a schedule of due times that the server cannot slow down.
  const next = load.model === 'trace' ? traceDueTimes(opts.traceAtMs, load.speedup ?? 1, end - start, limit) : dueTimes(ratePlan(load, opts), limit);
  await new Promise<void>((resolve, reject) => new OpenLoop(ctl, next, start, load.maxInFlight, resolve, reject).pump());
}

/** The open loop's turns to a due time take at most a quarter of a core (util/spin-budget.ts says why). */
const SPIN_SHARE = 0.25;
/** The longest the open loop sleeps before it looks again (whether it was stopped). */
const MAX_SLEEP_MS = 50;

/**
 * The open model's loop: each turn sends every request that is due, then waits for the next due time
 * (or, at the in-flight cap, for a completion). No promise, closure or timer per request; one per wait.
 */
class OpenLoop {
  /** The next request's due time on the ctl clock; null when there is none. */
  private at: number | null;
  /** The next request waited for the in-flight cap: its lag is the server's doing, not the generator's. */
  private capped = false;
  /** Whether the last EARLY_MS to a due time may be spent in setImmediate turns. */
  private readonly spin = new SpinBudget(SPIN_SHARE);

  constructor(
    private readonly ctl: LoadControl,
    private readonly next: () => number | null,
    private readonly start: number,
    private readonly maxInFlight: number,
    private readonly resolve: () => void,
    private readonly reject: (err: unknown) => void,
  ) {
    this.at = this.advance();
  }

  private advance(): number | null {
    const due = this.next();
    return due === null ? null : this.start + due;
  }

  readonly pump = (): void => {
    const ctl = this.ctl;
    try {
      for (;;) {
        const at = this.at;
        if (at === null || ctl.stopped()) return this.resolve();
        const now = ctl.now();
        const wait = at - now;
        if (wait > 0) {
          // At most MAX_SLEEP_MS at a time, so a stop is noticed within it however far off the next request is.
          if (!this.spin.affordable) setTimeout(this.pump, Math.min(wait, MAX_SLEEP_MS));
          else if (wait > EARLY_MS) setTimeout(this.pump, Math.min(wait - EARLY_MS, MAX_SLEEP_MS));
          else setImmediate(this.pump);
          return;
        }
        if (ctl.inFlight() >= this.maxInFlight) {
          // At the cap: due requests wait (and will be late); they are never dropped.
          this.capped = true;
          ctl.waitForCompletion(50).then(this.pump, this.reject);
          return;
        }
        ctl.send(new Due(at), now - at, this.capped ? 0 : now - at);
        this.spin.note(now);
        this.capped = false;
        this.at = this.advance();
      }
    } catch (err) {
      this.reject(err);
    }
  };
}

/** An open model's request: its due time, and nobody waiting for its end. */
class Due implements Pending {
  sentAt = 0;
  generatorLag = 0;
  constructor(readonly intendedStart: number) {}
  requestEnded(): void {}
}

/**
 * The closed model: `users` each send, wait for the answer (and the think time), and send again while
 * `take()` allows one more. Each user is one object that sends its next request when told its last one
 * ended: no promise, closure or timer per request.
 */
function closedLoop(ctl: LoadControl, users: number, thinkTimeMs: number, take: () => number, more: () => boolean): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let running = users;
    const loop: ClosedLoop = {
      ctl,
      thinkTimeMs,
      take,
      more,
      userDone: () => {
        if (--running === 0) resolve();
      },
      fail: reject,
    };
    if (users <= 0) resolve();
    for (let i = 0; i < users; i++) new ClosedUser(loop).next();
  });
}

interface ClosedLoop {
  ctl: LoadControl;
  thinkTimeMs: number;
  /** The clock's reading if one more request may start now (and it is counted), else -1. */
  take(): number;
  more(): boolean;
  userDone(): void;
  fail(err: unknown): void;
}

function userNext(user: ClosedUser): void {
  user.next();
}

class ClosedUser implements Pending {
  intendedStart = 0;
  sentAt = 0;
  generatorLag = 0;
  constructor(private readonly loop: ClosedLoop) {}

  /** Send the next request, or stop for good when there is none. */
  next(): void {
    const loop = this.loop;
    const now = loop.take();
    if (now < 0) {
      loop.userDone();
      return;
    }
    try {
      this.intendedStart = now;
      loop.ctl.send(this, 0, 0);
    } catch (err) {
      loop.fail(err);
    }
  }

  requestEnded(): void {
    const loop = this.loop;
    if (loop.thinkTimeMs > 0 && loop.more()) setTimeout(userNext, loop.thinkTimeMs, this);
    else this.next();
  }
}

/** The open model's rate over time: ramp stages, or the load's rate changed by phases. */
function ratePlan(load: Scenario['load'], opts: LoadOptions): RatePlan {
  const durationS = loadDurationS(load, opts.durationS);
  const random = load.arrival === 'poisson' || load.arrival === 'gamma';
  const arrival = random ? { arrival: { kind: load.arrival as 'poisson' | 'gamma', burstiness: load.burstiness ?? 1, seed: load.seed ?? 1 } } : {};
  if (load.model === 'ramping') return { stages: load.stages ?? [], durationS, ...arrival };
  const steps = [{ atS: 0, rate: load.rate ?? 1 }, ...(opts.rateSteps ?? [])];
  return { steps, durationS, ...arrival };
}

/** A trace's lines are due at their offsets divided by the speedup, until the load's end or count. */
function traceDueTimes(atMs: Float64Array | undefined, speedup: number, lengthMs: number, limit: number): () => number | null {
  if (!atMs) throw new Error('the trace model needs its trace read first (profile-run reads it)');
  let i = 0;
  return () => {
    if (i >= limit || i >= atMs.length) return null;
    const due = (atMs[i] as number) / speedup;
    if (!(due < lengthMs)) return null;
    i++;
    return due;
  };
}

/** Ramping: each stage moves linearly from the previous stage's rate (0 at first) to its own. */
export function rampRate(stages: { durationS: number; rate: number }[], t: number): number {
  let from = 0;
  let at = 0;
  for (const s of stages) {
    if (t < at + s.durationS) return from + ((s.rate - from) * (t - at)) / s.durationS;
    at += s.durationS;
    from = s.rate;
  }
  return from;
}
