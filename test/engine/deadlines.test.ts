/**
 * How long a timer really runs for the client being reproduced (transport/deadlines.ts): undici's fast
 * timers fire on the 499 ms tick after their delay; aiohttp's ceil_timeout ends a deadline over 5 s
 * (connect) or from 5 s (total) on a whole second of the clock.
 */
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/index.js';
import { timerDelayMs } from '../../src/engine/transport/deadlines.js';

const behavior = (preset: string) => resolveConfig({ preset }, { env: {} }).behavior;

describe('timer deadlines per client', () => {
  it('undici: connect and read timers on the tick after their delay; others exact', () => {
    const undici = behavior('undici');
    expect(timerDelayMs(300, 'read', undici)).toBe(499);
    expect(timerDelayMs(1_000, 'read', undici)).toBe(1_497);
    expect(timerDelayMs(10_000, 'connect', undici)).toBe(10_479);
    expect(timerDelayMs(300, 'total', undici)).toBe(300);
    expect(timerDelayMs(300, 'read', behavior('httpx'))).toBe(300);
  });

  it('aiohttp: a total from 5 s and a connect over 5 s end on a whole second; shorter ones are exact', () => {
    const aiohttp = behavior('aiohttp');
    const endsAt = (ms: number, kind: 'total' | 'connect') => performance.now() + timerDelayMs(ms, kind, aiohttp);
    for (const [ms, kind] of [[5_000, 'total'], [7_250, 'connect'], [300_000, 'total']] as const) {
      const end = endsAt(ms, kind);
      expect(Math.abs(end - Math.round(end / 1000) * 1000), `${kind} ${ms}`).toBeLessThan(5);
      expect(end - performance.now()).toBeGreaterThanOrEqual(ms - 5);
      expect(end - performance.now()).toBeLessThan(ms + 1_000);
    }
    expect(timerDelayMs(5_000, 'connect', aiohttp)).toBe(5_000);
    expect(timerDelayMs(750, 'total', aiohttp)).toBe(750);
  });
});
