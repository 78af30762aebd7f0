/**
 * The pool-exhaustion finding recommends a pool size that works: re-running the scenario with it shows
 * no waits for a connection. Sized from how long each request holds its connection at the offered rate
 * (a stream holds it for its whole generation), not from time to first byte.
 */
import { describe, expect, it } from 'vitest';
import { connectionsNeeded, poissonQuantile, withFindings } from '../../src/report/index.js';
import { loadScenario, resolveScenario, runScenario, type Scenario } from '../../src/runner/index.js';

async function recommendThenRerun(scenario: Scenario, profile: string, durationS: number) {
  const before = withFindings(await runScenario(scenario, { profiles: [profile], durationS })).profiles[0]!;
  const finding = before.findings.find((f) => f.id === 'pool-exhaustion');
  expect(finding, 'a pool-exhaustion finding').toBeDefined();
  const need = connectionsNeeded(before)!.connections;
  expect(finding!.fix).toContain(`pool.connections to at least ${need}`);
  const resized = {
    ...scenario,
    profiles: scenario.profiles.map((p) => (p.name === profile ? { ...p, config: { ...p.config, pool: { ...p.config.pool, connections: need, maxIdle: need } } } : p)),
  };
  const after = withFindings(await runScenario(resized, { profiles: [profile], durationS })).profiles[0]!;
  return { before, after, need };
}

describe('the pool-size recommendation', () => {
  it('poissonQuantile: the 99.9% point of the connections busy at once', () => {
    expect(poissonQuantile(0)).toBe(0);
    expect(poissonQuantile(1)).toBe(5);
    expect(poissonQuantile(100)).toBe(132);
    expect(poissonQuantile(10_000)).toBe(10_310);
  });

  it('the bundled pool-exhaustion scenario, re-run with the recommended size, waits for no connection', async () => {
    const scenario = await loadScenario('scenarios/pool-exhaustion.yaml');
    const { before, after, need } = await recommendThenRerun(scenario, 'httpx-small-pool', 3);
    // httpx queues (its pool timeout re-arms at every released connection): seconds in the pool.
    expect(before.queueWaitMs!.p99).toBeGreaterThan(1_000);
    // ~1 s per request at 40 req/s holds ~40 connections; the recommendation covers their fluctuation.
    expect(need).toBeGreaterThan(40);
    expect(need).toBeLessThan(80);
    expect(after.errors.pool_timeout ?? 0).toBe(0);
    expect(after.queueWaitMs!.max).toBeLessThan(5);
    expect(after.findings.map((f) => f.id)).not.toContain('pool-exhaustion');
  });

  it('a stream holds its connection for the whole generation: the recommendation counts that', async () => {
    const scenario = resolveScenario({
      name: 'streams',
      // 40 tokens at 200 tokens/s: each stream holds its connection for ~200 ms, its first byte in ~5 ms.
      target: { mock: { tokensPerSecond: 200 } },
      workload: { kind: 'stream', maxTokens: 40 },
      load: { model: 'open', rate: 50, durationS: 3 },
      profiles: [{ name: 'small', preset: 'aiohttp', pool: { connections: 3 }, timeouts: { acquire: 300 } }],
    });
    const { before, after, need } = await recommendThenRerun(scenario, 'small', 3);
    expect(before.errors.connect_timeout).toBeGreaterThan(0); // aiohttp: the wait for a slot ran out
    // 50/s × ~0.2 s ≈ 10 busy: far more than time to first byte would suggest (50/s × 5 ms < 1).
    expect(need).toBeGreaterThanOrEqual(15);
    expect(after.errors.connect_timeout ?? 0).toBe(0);
    expect(after.queueWaitMs!.max).toBeLessThan(5);
  });
});
