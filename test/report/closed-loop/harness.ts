/**
 * The closed loop, on every bundled scenario (test/report/closed-loop/*.test.ts, a few scenarios per file so
 * that they run side by side): each runs (shortened where its problem still shows), its
 * counts must be the mock's own, each finding fires on the profile that has the problem and stays quiet
 * on the one that fixes it, and then every flagged profile is rerun with its findings' changes applied
 * (what `tailgate run --verify-fixes` does): each fix must remove its finding and improve its measure,
 * raise no finding as severe, and worsen no headline figure beyond noise unless it names that trade-off.
 */
import { expect } from 'vitest';
import { verifyFixes } from '../../../src/cli/verify-fixes.js';
import { GENERATOR_FINDING, mergedChanges, withFindings } from '../../../src/report/index.js';
import { loadScenario, runScenario, type Report, type RunOptions } from '../../../src/runner/index.js';

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
export const ids = (r: Report, profile: string) =>
  r.profiles
    .find((p) => p.name === profile)!
    .findings.map((f) => f.id)
    .filter((id) => id !== GENERATOR_FINDING);
export const finding = (r: Report, profile: string, id: string) => r.profiles.find((p) => p.name === profile)!.findings.find((f) => f.id === id);

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
export async function scenario(name: string, options: RunOptions, check: (r: Report) => void): Promise<void> {
  const report = withFindings(await runScenario(await loadScenario(`scenarios/${name}.yaml`), options));
  for (const p of report.profiles) {
    expectCountsOfServer(p);
    for (const t of [p.latencyMs, p.ttfbMs, p.queueWaitMs, p.ttftMs, p.itlMs]) if (t) expect([t.p50, t.p90, t.p99, t.p999].every((v) => v <= t.max), `${p.name}: a percentile above the max`).toBe(true);
  }
  check(report);
  await closeTheLoop(report, name, options);
}

