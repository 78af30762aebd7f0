/**
 * The diagnosis's rules on synthetic profiles, where a run could not make the case on demand; and that the
 * closed loop (test/report/closed-loop, each bundled scenario run, checked and rerun with its fixes) misses
 * no bundled scenario.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveConfig, TailgateError } from '../../src/index.js';
import { ProfileMetrics } from '../../src/metrics/index.js';
import { diagnose, GENERATOR_FINDING } from '../../src/report/index.js';
import { syntheticProfile, syntheticReport } from '../helpers/synthetic-report.js';
import { CHECKS, FILES } from './closed-loop/checks.js';

describe('diagnose', () => {
  it('the closed loop covers every bundled scenario, each in one file', () => {
    const bundled = readdirSync('scenarios').filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, ''));
    expect(Object.keys(CHECKS).sort()).toEqual(bundled.sort());
    expect(Object.values(FILES).flat().sort()).toEqual(bundled.sort());
    const files = readdirSync('test/report/closed-loop').filter((f) => f.endsWith('.test.ts')).map((f) => f.replace(/\.test\.ts$/, ''));
    expect(files.sort()).toEqual(Object.keys(FILES).sort());
  });

  it('the dead keep-alive race seen late (a reset after sending, on a slow machine) is still the stale finding; a reset after a short idle is not', () => {
    /** 100 requests on reused connections idle 500 ms, answered, and 10 reset after sending on connections idle `resetIdleMs`. */
    const profile = (resetIdleMs: number) => {
      let clock = 0;
      const m = new ProfileMetrics(() => clock);
      m.start();
      const base = { kind: 'primary', sent: true, method: 'POST', path: '/', startedAt: 0, queueWaitMs: 0, connectMs: null, ttfbMs: 5, totalMs: 5, holdMs: 5, bytesReceived: 0, socket: null, reusedSocket: true, requestsBeforeOnSocket: 1 } as const;
      for (let i = 0; i < 110; i++) {
        m.requestStarted(false);
        const reset = i >= 100;
        m.onAttemptEnd({ ...base, status: reset ? null : 200, error: reset ? new TailgateError('connection_reset', 'reset') : null, idleBeforeMs: reset ? resetIdleMs : 500 });
        m.requestEnded(5, reset ? 'connection_reset' : null);
      }
      clock = 1000;
      m.stop();
      return { ...syntheticProfile('p', { dist: 'fixed', ms: 5 }, 1, 1), ...m.snapshot(), config: resolveConfig('httpx', { env: {} }) };
    };
    const late = profile(3000);
    const ids = diagnose(late, syntheticReport([late])).map((f) => f.id);
    expect(ids).toContain('stale-keepalive');
    expect(ids).not.toContain('connection-reset');
    const early = profile(100);
    expect(diagnose(early, syntheticReport([early])).map((f) => f.id)).toEqual(['connection-reset']);
  });

  it('a saturated load generator, and timeouts needlessly long for the latency', () => {
    const busy = syntheticProfile('busy', { dist: 'fixed', ms: 20 }, 2000, 1, 0, { eventLoop: { meanMs: 30, p99Ms: 120, maxMs: 400 } });
    expect(diagnose(busy, syntheticReport([busy])).map((f) => f.id)).toContain(GENERATOR_FINDING);
    const calm = syntheticProfile('calm', { dist: 'fixed', ms: 20 }, 2000, 1, 0, { config: resolveConfig('httpx', { env: {} }) });
    expect(diagnose(calm, syntheticReport([calm]))).toEqual([]);
    const slowTimeout = syntheticProfile('long', { dist: 'fixed', ms: 20 }, 2000, 1, 0, {
      config: { ...calm.config, timeouts: { ...calm.config.timeouts, read: 1_200_000 } },
    });
    expect(diagnose(slowTimeout, syntheticReport([slowTimeout])).map((f) => f.id)).toEqual(['timeouts-too-long']);
    // Hedged, the slow attempts were cancelled before their first byte: the tail is not in the times, and no timeout is sized from them.
    const hedged = { ...slowTimeout, budgets: { ...slowTimeout.budgets, hedge: { issued: 40, won: 38, denied: 0 } } };
    expect(diagnose(hedged, syntheticReport([hedged])).map((f) => f.id)).toEqual([]);
  });
});
