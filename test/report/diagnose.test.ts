/**
 * The closed loop, on every bundled scenario: each runs (shortened where its problem still shows), its
 * counts must be the mock's own, each finding fires on the profile that has the problem and stays quiet
 * on the one that fixes it, and then every flagged profile is rerun with its findings' changes applied
 * (what `tailgate run --verify-fixes` does): each fix must remove its finding and improve its measure,
 * raise no finding as severe, and worsen no headline figure beyond noise unless it names that trade-off.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { verifyFixes } from '../../src/cli/verify-fixes.js';
import { resolveConfig, TailgateError } from '../../src/index.js';
import { ProfileMetrics } from '../../src/metrics/index.js';
import { diagnose, GENERATOR_FINDING, mergedChanges, withFindings } from '../../src/report/index.js';
import { loadScenario, runScenario, type Report, type RunOptions } from '../../src/runner/index.js';
import { SATURATED_LOOP_P99_MS } from '../../src/report/saturation.js';
import { syntheticProfile, syntheticReport } from '../helpers/synthetic-report.js';

function expectCountsOfServer(p: Report['profiles'][number]): void {
  const server = p.server!;
  const label = `${p.name}: report vs the mock's own counts`;
  // A listener that closes (a down window) resets the connections its kernel had completed but the server
  // had not yet accepted: a request written on one was sent, and never read. Each such attempt failed
  // with connection_reset, so they differ by at most that many, and only when the listener went down.
  const unread = server.faults.listener_down ? (p.errors.connection_reset ?? 0) : 0;
  const kinds = { total: p.attempts.total, primary: p.attempts.primary, hedge: p.attempts.hedge, retry: p.attempts.retry };
  const serverKinds = { total: server.requests.total, primary: server.requests.byAttemptKind.primary ?? 0, hedge: server.requests.byAttemptKind.hedge ?? 0, retry: server.requests.byAttemptKind.retry ?? 0 };
  if (unread === 0) expect(kinds, label).toEqual(serverKinds);
  for (const k of Object.keys(kinds) as (keyof typeof kinds)[]) {
    expect(kinds[k] - serverKinds[k], `${label}: ${k} attempts`).toBeGreaterThanOrEqual(0);
    expect(kinds[k] - serverKinds[k], `${label}: ${k} attempts the server never read`).toBeLessThanOrEqual(unread);
  }
  // Connections: equal, but for a connect the client gave up on (a hedge race's loser cancelled while
  // connecting) after the server's kernel had completed it: the server accepted it, the client never
  // had it open; and for one the closing listener reset before the server accepted it (above).
  // A hedge dropped unsent because its race was won while its connect was under way leaves no record at
  // all (it never was an attempt), so with hedging the server may have accepted more than that.
  const cancelled = p.errors.cancelled ?? 0;
  expect(server.connections.accepted - p.connections.opened, `${label}: connections`).toBeGreaterThanOrEqual(-unread);
  if (p.client.hedgeDelayS === undefined) expect(server.connections.accepted - p.connections.opened, `${label}: connections`).toBeLessThanOrEqual(cancelled);
  // Responses: the server counts what it sent; the client what it received. They differ only by the
  // answers to attempts the client gave up on (a hedge race's losers, a timeout that fired as the answer
  // was on its way), which the server may still send.
  const aborted = cancelled + (p.errors.read_timeout ?? 0) + (p.errors.attempt_timeout ?? 0) + (p.errors.total_timeout ?? 0);
  if (aborted === 0) expect(p.statuses, label).toEqual(server.requests.byStatus);
  else {
    const sent = Object.values(server.requests.byStatus).reduce((a, b) => a + b, 0);
    const received = Object.values(p.statuses).reduce((a, b) => a + b, 0);
    for (const [status, n] of Object.entries(p.statuses)) expect(n, `${label}: status ${status}`).toBeLessThanOrEqual(server.requests.byStatus[status] ?? 0);
    expect(sent - received, label).toBeLessThanOrEqual(aborted);
  }
  // A request on a connection that had served one before, both sides agree (HTTP/1.1: one at a time).
  if (p.config.httpVersion === 1) expect(p.connections.reused, label).toBe(server.requests.onReusedConnection);
}

/**
 * The findings about the client. A loaded test machine truly saturates the generator, so that finding
 * (about the machine, not the client) is left out of "stays quiet" checks.
 */
const ids = (r: Report, profile: string) =>
  r.profiles
    .find((p) => p.name === profile)!
    .findings.map((f) => f.id)
    .filter((id) => id !== GENERATOR_FINDING);
const finding = (r: Report, profile: string, id: string) => r.profiles.find((p) => p.name === profile)!.findings.find((f) => f.id === id);

/** Every flagged profile rerun with its fixes: each verified, finding by finding. */
async function closeTheLoop(r: Report, name: string, options: RunOptions): Promise<void> {
  const scenario = await loadScenario(`scenarios/${name}.yaml`);
  for (const p of r.profiles) expect(mergedChanges(p.findings).conflicts, `${p.name}: findings that contradict each other`).toEqual([]);
  const flagged = r.profiles.filter((p) => p.findings.some((f) => f.change !== null)).map((p) => p.name);
  const verification = await verifyFixes(r, scenario, options);
  expect(verification.map((v) => v.profile)).toEqual(flagged);
  for (const v of verification) {
    const label = `${name}/${v.profile} with ${JSON.stringify(v.settings)}`;
    expect(v.conflicts, label).toEqual([]);
    // Whatever the machine did, each fix moved its own measure the better way.
    for (const f of v.findings) expect({ id: f.id, improved: f.improved, before: f.before, after: f.after }, `${label}: its measure better`).toMatchObject({ improved: true });
    // A rerun whose load generator was saturated (a loaded test machine) may be inconclusive, as the gate
    // says of such runs; otherwise every criterion holds.
    if (v.inconclusive) continue;
    for (const f of v.findings) expect({ id: f.id, resolved: f.resolved }, `${label}: the finding is gone`).toMatchObject({ resolved: true });
    const mildest = Math.min(...v.findings.map((f) => ['info', 'warning', 'critical'].indexOf(f.severity)));
    for (const f of v.newFindings) expect(['info', 'warning', 'critical'].indexOf(f.severity), `${label}: a new finding as severe as one fixed: ${f.id}: ${f.symptom}`).toBeLessThan(mildest);
    for (const h of v.headline) if (h.worse) expect(h.tradeOff, `${label}: ${h.metric} ${h.before} -> ${h.after}, worse beyond noise with no trade-off named`).not.toBeNull();
    expect(v.verified, label).toBe(true);
  }
}

/** Run a bundled scenario (its counts must equal the mock's own, exactly), check it, and close the loop. */
async function scenario(name: string, options: RunOptions, check: (r: Report) => void): Promise<void> {
  const report = withFindings(await runScenario(await loadScenario(`scenarios/${name}.yaml`), options));
  for (const p of report.profiles) {
    expectCountsOfServer(p);
    for (const t of [p.latencyMs, p.ttfbMs, p.queueWaitMs, p.ttftMs, p.itlMs]) if (t) expect([t.p50, t.p90, t.p99, t.p999].every((v) => v <= t.max), `${p.name}: a percentile above the max`).toBe(true);
  }
  check(report);
  await closeTheLoop(report, name, options);
}

const CHECKS: Record<string, { options: RunOptions; check: (r: Report) => void }> = {
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

describe('the closed loop on every bundled scenario: each finding fires on the problem, stays quiet on the fix, and its change verifiably fixes it', () => {
  it('covers every bundled scenario', () => {
    const bundled = readdirSync('scenarios').filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, ''));
    expect(Object.keys(CHECKS).sort()).toEqual(bundled.sort());
  });

  for (const [name, { options, check }] of Object.entries(CHECKS)) {
    it(name, () => scenario(name, options, check), 120_000);
  }

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
