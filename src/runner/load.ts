/**
 * Load models. Each only decides *when* a request is meant to start and calls fire(intendedStart, late);
 * the caller measures latency from intendedStart, so a slow server cannot slow the schedule down and hide
 * its own latency (no coordinated omission). Open models never skip a due request: when the in-flight
 * cap is reached, due requests wait and are counted late.
 */
import type { Scenario } from './scenario.js';

/** A request sent this much after its intended start counts as late. */
export const LATE_AFTER_MS = 10;

export interface LoadControl {
  now(): number;
  /** Start one logical request; resolves when it ends (never rejects). */
  fire(intendedStart: number, late: boolean): Promise<void>;
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
  /** Rate changes from phases: seconds since start → rate. */
  rateAt?: (elapsedS: number) => number | undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runLoad(ctl: LoadControl, opts: LoadOptions): Promise<void> {
  const { load } = opts;
  const start = ctl.now();
  const durationMs = (opts.durationS ?? load.durationS ?? (load.stages ? load.stages.reduce((a, s) => a + s.durationS, 0) : Infinity)) * 1000;
  const limit = opts.requests ?? load.requests ?? Infinity;
  const end = start + durationMs;
  let issued = 0;
  const more = () => !ctl.stopped() && issued < limit && ctl.now() < end;

  if (load.model === 'closed') {
    const users = load.users ?? 1;
    const user = async () => {
      while (more()) {
        issued++;
        await ctl.fire(ctl.now(), false);
        if (load.thinkTimeMs > 0) await sleep(load.thinkTimeMs);
      }
    };
    await Promise.all(Array.from({ length: users }, user));
    return;
  }

  if (load.model === 'bursts') {
    const size = load.burstSize ?? 1;
    while (more()) {
      const at = ctl.now();
      const burst: Promise<void>[] = [];
      for (let i = 0; i < size && more(); i++) {
        issued++;
        burst.push(ctl.fire(at, false));
      }
      await Promise.all(burst);
      // The idle gap: connections sit unused, which is what exposes keep-alive expiry.
      if (more()) await sleep(load.burstGapMs ?? 0);
    }
    return;
  }

  // Open models: a schedule of intended start times at the current rate.
  const rateAt = (elapsedMs: number): number => {
    if (load.model === 'ramping') return rampRate(load.stages ?? [], elapsedMs / 1000);
    return opts.rateAt?.(elapsedMs / 1000) ?? load.rate ?? 1;
  };
  let nextDue = start;
  for (;;) {
    if (ctl.stopped() || issued >= limit || nextDue >= end) return;
    const now = ctl.now();
    if (nextDue > now) {
      await sleep(Math.min(nextDue - now, 50));
      continue;
    }
    if (ctl.inFlight() >= load.maxInFlight) {
      // At the cap: due requests wait (and will be late); they are never dropped.
      await ctl.waitForCompletion(50);
      continue;
    }
    issued++;
    void ctl.fire(nextDue, now - nextDue > LATE_AFTER_MS);
    const rate = rateAt(nextDue - start);
    // A rate of 0 pauses the schedule; it is looked at again every 100 ms.
    nextDue += rate > 0 ? 1000 / rate : 100;
  }
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
