/**
 * How long a timer really runs, as the client being reproduced runs it (ClientConfig.behavior): exact
 * by default; on undici's coarse clock (fast timers tick every 499 ms and a timer fires on the tick after
 * its delay has passed); or, as aiohttp's ceil_timeout, ending on a whole second of the clock.
 */
import { performance } from 'node:perf_hooks';
import type { BehaviorConfig } from '../config/index.js';

export type TimerKind = 'connect' | 'read' | 'acquire' | 'total' | 'other';

/** aiohttp rounds deadlines over this (connect) or from it (total) up to a whole second. */
const CEIL_FROM_MS = 5_000;

export function timerDelayMs(ms: number, kind: TimerKind, behavior: BehaviorConfig): number {
  const tick = behavior.timerTickMs;
  if (tick > 0 && (kind === 'connect' || kind === 'read')) return (Math.floor(ms / tick) + 1) * tick;
  if (behavior.ceilTimeouts && (kind === 'total' ? ms >= CEIL_FROM_MS : (kind === 'connect' || kind === 'acquire') && ms > CEIL_FROM_MS)) {
    const now = performance.now();
    return Math.ceil((now + ms) / 1000) * 1000 - now;
  }
  return ms;
}
