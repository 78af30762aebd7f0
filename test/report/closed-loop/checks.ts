/**
 * What each bundled scenario must show (its findings on the profile with the problem, none on the fix),
 * and which test file runs it: a few scenarios per file, about 50 s each, so that they run side by side.
 */
import { expect, it } from 'vitest';
import { SATURATED_LOOP_P99_MS } from '../../../src/report/saturation.js';
import type { Report, RunOptions } from '../../../src/runner/index.js';
import { finding, ids, scenario } from './harness.js';

export const CHECKS: Record<string, { options: RunOptions; check: (r: Report) => void }> = {
  'pool-exhaustion': {
    options: { durationS: 3 },
    check: (r) => {
      expect(finding(r, 'httpx-small-pool', 'pool-exhaustion')).toMatchObject({ severity: 'warning', fix: expect.stringMatching(/pool\.connections to at least \d+ .*httpx\.Limits\(max_connections=\d+/) });
      expect(finding(r, 'aiohttp-small-pool', 'pool-exhaustion')).toMatchObject({ severity: 'critical', fix: expect.stringMatching(/aiohttp\.TCPConnector\(limit=\d+\)/) });
      // Its connect timeouts were pool waits, not connects that failed.
      expect(ids(r, 'aiohttp-small-pool')).not.toContain('connect-failures');
      expect(ids(r, 'sized-pool')).toEqual([]);
    },
  },
  // Rates below the bundled ones where the problem still shows: a loaded test machine saturates less.
  'new-client-per-request': {
    options: { durationS: 2, rate: 100 },
    check: (r) => {
      expect(finding(r, 'client-per-request', 'connection-churn')?.change?.settings).toMatchObject({ 'pool.mode': 'shared' });
      expect(ids(r, 'shared-client')).toEqual([]);
    },
  },
  'dead-keepalive': {
    options: { durationS: 3.5 },
    check: (r) => {
      expect(ids(r, 'httpx-defaults')).toEqual(['stale-keepalive']);
      // Below the server's 2 s, and nothing else (no "keep connections longer" beside it).
      expect(finding(r, 'httpx-defaults', 'stale-keepalive')!.change!.settings['pool.keepAliveMs']).toBeLessThan(2000);
      // The profile that fixes it reconnects after each 3 s gap, as it must: not a finding.
      expect(ids(r, 'expiry-below-server')).toEqual([]);
    },
  },
  timeouts: {
    options: { durationS: 2 },
    check: (r) => {
      expect(ids(r, 'read-500ms')).toContain('timeouts-too-short');
      expect(finding(r, 'read-500ms', 'timeouts-too-short')!.change!.tradeOffs!.map((t) => t.metric)).toEqual(['p(99)']);
      expect(ids(r, 'read-10s')).toEqual([]);
    },
  },
  'rate-limit-429': {
    options: { durationS: 2 },
    check: (r) => {
      expect(ids(r, 'retry-storm')).toEqual(expect.arrayContaining(['retry-storm', 'rate-limit-retried-at-once', 'over-rate-limit']));
      // The storm's fix is a trade-off, and says so.
      expect(finding(r, 'retry-storm', 'retry-storm')!.change!.tradeOffs!.map((t) => t.metric)).toContain('error_rate');
      // The budgeted profile fails more requests than a storm may, and is told why that is the better outcome.
      expect(ids(r, 'budgeted-retries')).not.toContain('retry-storm');
      expect(finding(r, 'budgeted-retries', 'over-rate-limit')).toMatchObject({ change: null, cause: expect.stringMatching(/cannot be served at this rate, whatever the client does.*several times the attempts/) });
    },
  },
  'hedging-tail': {
    options: { durationS: 2, rate: 100 },
    check: (r) => {
      const early = finding(r, 'hedge-too-early', 'hedging-not-paying') ?? finding(r, 'hedge-too-early', 'hedge-budget-spent');
      expect(early!.evidence).toContain('hedge delay 2.00ms');
      // A hedge delay is given only from a run whose times the load generator's lagging loop did not inflate.
      const saturated = (r.profiles.find((p) => p.name === 'hedge-too-early')!.eventLoop?.p99Ms ?? 0) >= SATURATED_LOOP_P99_MS;
      if (saturated) expect(early!).toMatchObject({ change: null, fix: expect.stringContaining('rerun on a quieter machine') });
      else expect(early!.change!.settings['client.hedgeDelayS']).toBeGreaterThan(0.004);
      expect(ids(r, 'hedge-50ms')).toEqual([]);
      expect(ids(r, 'no-hedge')).toEqual([]);
      // The losers of hedge races are cancelled, not failed: counted apart.
      const hedged = r.profiles.find((p) => p.name === 'hedge-50ms')!;
      expect(hedged.lostRaces).toBe(hedged.errors.cancelled ?? 0);
      expect(hedged.timeline.reduce((t, row) => t + (row.errorsByCode.cancelled ?? 0), 0)).toBe(0);
    },
  },
  'port-exhaustion': {
    // 300 req/s for 4 s: 1,200 connects against 1,000 ports held 60 s each.
    options: { durationS: 4 },
    check: (r) => {
      const [churn, shared] = r.profiles;
      expect(churn!.errors.port_exhausted).toBe(200);
      expect(churn!.connections.opened).toBe(1000);
      expect(Object.keys(churn!.server!.connections.byRemotePort)).toHaveLength(1000);
      expect(finding(r, 'client-per-request', 'port-exhaustion')!.evidence).toContain('1000 distinct local ports used (measured: the server saw them)');
      // Both findings ask for the same change: no contradiction.
      expect(finding(r, 'client-per-request', 'port-exhaustion')!.change!.settings).toEqual(finding(r, 'client-per-request', 'connection-churn')!.change!.settings);
      expect(shared!.errors.port_exhausted ?? 0).toBe(0);
      // It opens what a burst needs, up to its pool of 100, and keeps them: not one port churned.
      expect(Object.keys(shared!.server!.connections.byRemotePort).length).toBeLessThanOrEqual(100);
      expect(shared!.closeReasons!['max-idle'] ?? 0).toBe(0);
      expect(ids(r, 'shared-client')).toEqual([]);
    },
  },
  'llm-streaming': {
    options: { durationS: 6 },
    check: (r) => {
      const [small, sized] = r.profiles;
      for (const p of r.profiles) expect(p.tokens!.out, `${p.name}: tokens, client vs server`).toBe(p.server!.requests.tokensOut);
      expect(small!.goodput!.met / small!.goodput!.of).toBeLessThan(0.5);
      expect(sized!.goodput!.met / sized!.goodput!.of).toBeGreaterThanOrEqual(0.9);
      expect(small!.ttftMs!.p50).toBeGreaterThan(3 * sized!.ttftMs!.p50);
      // The same tokens, in about twice the time: tokens/s over the work says so; over the load window it would not.
      expect(small!.work!.ms).toBeGreaterThan(1.5 * sized!.work!.ms);
      expect(small!.work!.tokensPerSecond!).toBeLessThan(0.75 * sized!.work!.tokensPerSecond!);
      // Every stream of the sized pool succeeded, and each counts, also those that finished after the load window.
      expect(Math.abs((sized!.work!.okPerSecond! * sized!.work!.ms) / 1000 - sized!.requests.ok)).toBeLessThan(1);
      expect(ids(r, 'pool-sized-for-ttfb')).toContain('pool-exhaustion');
      expect(ids(r, 'pool-sized-for-streams')).toEqual([]);
    },
  },
  'connection-refused': {
    // The whole 6 s: over a shorter run the outage is a larger share, and the retries' budget runs out.
    options: {},
    check: (r) => {
      expect(ids(r, 'per-request-no-retry')).toEqual(expect.arrayContaining(['connect-failures', 'connection-churn']));
      // The profile whose retries ride the outage out is told so, and is told nothing about storms.
      expect(ids(r, 'per-request-retries')).not.toContain('retry-storm');
      expect(ids(r, 'per-request-retries')).not.toContain('connect-failures');
      // Its only critical finding, if any, is that of a client per request: nothing about the outage.
      expect(r.profiles[1]!.findings.filter((f) => f.severity === 'critical' && f.id !== 'connection-churn').map((f) => f.id)).toEqual([]);
    },
  },
  'http2-vs-http1': {
    options: { durationS: 2, rate: 200 },
    check: (r) => {
      expect(r.profiles[1]!.connections.opened).toBeLessThan(r.profiles[0]!.connections.opened);
      expect(ids(r, 'http1-pool')).not.toContain('pool-exhaustion');
    },
  },
  quickstart: {
    options: { durationS: 2 },
    check: (r) => {
      expect(ids(r, 'baseten-recommended')).not.toContain('pool-exhaustion');
      expect(ids(r, 'httpx-defaults')).toContain('pool-exhaustion');
    },
  },
};

/** The scenarios each file of this folder runs; together, every bundled scenario once. */
export const FILES = {
  capacity: ['pool-exhaustion', 'port-exhaustion', 'http2-vs-http1', 'new-client-per-request'],
  connections: ['dead-keepalive', 'connection-refused'],
  'quickstart-streams': ['quickstart', 'llm-streaming'],
  'retries-timeouts': ['rate-limit-429', 'hedging-tail', 'timeouts'],
} as const satisfies Record<string, readonly string[]>;

/** One test per scenario of the file: run it, check it, and close the loop. */
export function closedLoopTests(file: keyof typeof FILES): void {
  for (const name of FILES[file]) {
    const { options, check } = CHECKS[name]!;
    it(name, () => scenario(name, options, check), 120_000);
  }
}
