import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/index.js';
import { diagnose, withFindings } from '../../src/report/index.js';
import { loadScenario, runScenario, type Report } from '../../src/runner/index.js';
import { syntheticProfile, syntheticReport } from '../helpers/synthetic-report.js';

/** Run a bundled scenario; every profile's counts must equal the mock's own, exactly. */
async function run(name: string, durationS: number): Promise<Report> {
  const report = withFindings(await runScenario(await loadScenario(`scenarios/${name}.yaml`), { durationS }));
  for (const p of report.profiles) expectCountsOfServer(p);
  return report;
}

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
  const cancelled = p.errors.cancelled ?? 0;
  expect(server.connections.accepted - p.connections.opened, `${label}: connections`).toBeGreaterThanOrEqual(-unread);
  expect(server.connections.accepted - p.connections.opened, `${label}: connections`).toBeLessThanOrEqual(cancelled);
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
    .filter((id) => id !== 'saturated-load-generator');

describe('diagnostics on the bundled scenarios: each fires on the problem and stays quiet on the fix', () => {
  it('pool exhaustion: httpx queues, aiohttp times out waiting, a sized pool does neither', async () => {
    const r = await run('pool-exhaustion', 3);
    const finding = (profile: string) => r.profiles.find((p) => p.name === profile)!.findings.find((f) => f.id === 'pool-exhaustion');
    expect(finding('httpx-small-pool')).toMatchObject({ severity: 'warning', fix: expect.stringMatching(/pool\.connections to at least \d+ .*httpx: Limits\(max_connections=\d+\)/) });
    expect(finding('aiohttp-small-pool')).toMatchObject({ severity: 'critical', fix: expect.stringMatching(/aiohttp: TCPConnector\(limit=\d+\)/) });
    // Its connect timeouts were pool waits, not connects that failed.
    expect(ids(r, 'aiohttp-small-pool')).not.toContain('connect-failures');
    expect(ids(r, 'sized-pool')).not.toContain('pool-exhaustion');
  });

  it('connection churn from a client per request', async () => {
    const r = await run('new-client-per-request', 2);
    expect(ids(r, 'client-per-request')).toContain('connection-churn');
    expect(ids(r, 'shared-client')).toEqual([]);
  });

  it('keep-alive expiry above the server’s idle timeout', async () => {
    const r = await run('dead-keepalive', 3.5);
    expect(ids(r, 'httpx-defaults')).toContain('stale-keepalive');
    expect(ids(r, 'expiry-below-server')).not.toContain('stale-keepalive');
  });

  it('a read timeout shorter than the model’s latency', async () => {
    const r = await run('timeouts', 2);
    expect(ids(r, 'read-500ms')).toContain('timeouts-too-short');
    expect(ids(r, 'read-10s')).not.toContain('timeouts-too-short');
  });

  it('a retry storm and 429s met without backoff', async () => {
    const r = await run('rate-limit-429', 2);
    expect(ids(r, 'retry-storm')).toEqual(expect.arrayContaining(['retry-storm', 'rate-limited']));
    expect(r.profiles[0]!.findings.find((f) => f.id === 'rate-limited')!.severity).toBe('critical');
    expect(ids(r, 'budgeted-retries')).not.toContain('retry-storm');
    expect(ids(r, 'budgeted-retries')).toContain('retry-budget-spent');
  });

  it('hedging that does not pay', async () => {
    const r = await run('hedging-tail', 2);
    expect(ids(r, 'hedge-too-early').some((id) => id === 'hedging-not-paying' || id === 'hedge-budget-spent')).toBe(true);
    expect(ids(r, 'hedge-50ms')).not.toContain('hedging-not-paying');
    expect(ids(r, 'no-hedge')).toEqual([]);
  });

  it('port exhaustion: a new client per request empties a 1,000-port budget, a shared client never comes close', async () => {
    // 300 req/s for 4 s: 1,200 connects against 1,000 ports held 60 s each.
    const r = await run('port-exhaustion', 4);
    const [churn, shared] = r.profiles;
    expect(churn!.errors.port_exhausted).toBe(200);
    expect(churn!.connections.opened).toBe(1000);
    expect(Object.keys(churn!.server!.connections.byRemotePort)).toHaveLength(1000);
    expect(ids(r, 'client-per-request')).toContain('port-exhaustion');
    expect(r.profiles[0]!.findings.find((f) => f.id === 'port-exhaustion')!.evidence).toContain('1000 distinct local ports used (measured: the server saw them)');
    expect(shared!.errors.port_exhausted ?? 0).toBe(0);
    expect(Object.keys(shared!.server!.connections.byRemotePort).length).toBeLessThan(20);
    expect(ids(r, 'shared-client')).not.toContain('port-exhaustion');
  });

  it('LLM streams: a pool sized for the first byte starves whole generations; one sized for streams holds the SLO', async () => {
    const r = await run('llm-streaming', 6);
    const [small, sized] = r.profiles;
    for (const p of r.profiles) expect(p.tokens!.out, `${p.name}: tokens, client vs server`).toBe(p.server!.requests.tokensOut);
    expect(small!.goodput!.met / small!.goodput!.of).toBeLessThan(0.5);
    expect(sized!.goodput!.met / sized!.goodput!.of).toBeGreaterThanOrEqual(0.9);
    expect(small!.ttftMs!.p50).toBeGreaterThan(3 * sized!.ttftMs!.p50);
    expect(ids(r, 'pool-sized-for-ttfb')).toContain('pool-exhaustion');
    expect(ids(r, 'pool-sized-for-streams')).not.toContain('pool-exhaustion');
  });

  it('connection refused during a listener outage', async () => {
    const r = await run('connection-refused', 3.8);
    expect(ids(r, 'per-request-no-retry')).toContain('connect-failures');
  });

  it('HTTP/1.1 against HTTP/2, and the quickstart: no false findings, counts exact', async () => {
    const h2 = await run('http2-vs-http1', 2);
    expect(h2.profiles[1]!.connections.opened).toBeLessThan(h2.profiles[0]!.connections.opened);
    const quick = await run('quickstart', 2);
    expect(ids(quick, 'baseten-recommended')).not.toContain('pool-exhaustion');
    expect(ids(quick, 'httpx-defaults')).toContain('pool-exhaustion');
  });

  it('a saturated load generator, and timeouts needlessly long for the latency', () => {
    const busy = syntheticProfile('busy', { dist: 'fixed', ms: 20 }, 2000, 1, 0, { eventLoop: { meanMs: 30, p99Ms: 120, maxMs: 400 } });
    expect(diagnose(busy, syntheticReport([busy])).map((f) => f.id)).toContain('saturated-load-generator');
    const calm = syntheticProfile('calm', { dist: 'fixed', ms: 20 }, 2000, 1, 0, { config: resolveConfig('httpx', { env: {} }) });
    expect(diagnose(calm, syntheticReport([calm]))).toEqual([]);
    const slowTimeout = syntheticProfile('long', { dist: 'fixed', ms: 20 }, 2000, 1, 0, {
      config: { ...calm.config, timeouts: { ...calm.config.timeouts, read: 1_200_000 } },
    });
    expect(diagnose(slowTimeout, syntheticReport([slowTimeout])).map((f) => f.id)).toEqual(['timeouts-too-long']);
  });
});
