import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockProcess, type MockProcess } from '../../../mock-server/index.js';
import { decodeHistogram } from '../../../src/metrics/index.js';
import { mergeReports } from '../../../src/report/index.js';
import { addMockStats, parseShard, resolveScenario, runScenario, shardLoad, type Report } from '../../../src/runner/index.js';
import { runCli } from '../../helpers/cli.js';
import { profileFromLatencies, syntheticReport } from '../../helpers/synthetic-report.js';

const FAULTS = { rules: [{ kind: 'latency', dist: 'fixed', ms: 10 }, { kind: 'status', status: 503, probability: 0.1 }] };
const scenario = resolveScenario({
  name: 'sharded',
  target: { mock: { faults: FAULTS } },
  workload: { kind: 'embed', inputsPerRequest: 1 },
  load: { model: 'open', rate: 100, requests: 101 },
  profiles: [{ name: 'a' }, { name: 'b', pool: { mode: 'per-request' } }],
});

// The shards of a run share one server, as they would share a real endpoint.
let mock: MockProcess;
beforeAll(async () => {
  mock = await startMockProcess({ faults: FAULTS });
});
afterAll(() => mock.close());

describe('sharded runs and merge', () => {
  it('splits the load between shards, remainder first', () => {
    expect(shardLoad(scenario.load, { index: 1, count: 2 })).toMatchObject({ rate: 50, requests: 51 });
    expect(shardLoad(scenario.load, { index: 2, count: 2 })).toMatchObject({ rate: 50, requests: 50 });
    expect(() => parseShard('3/2')).toThrow('--shard must be i/N with 1 <= i <= N, got "3/2"');
  });

  it('the servers’ counts add, their peak gauges do not: the most open and in flight at once is the highest', async () => {
    await mock.reset();
    const a = await mock.stats();
    const b = structuredClone(a);
    a.connections.maxOpen = 5;
    b.connections.maxOpen = 7;
    a.requests.maxInFlight = 9;
    b.requests.maxInFlight = 3;
    a.requests.total = 10;
    b.requests.total = 20;
    a.requests.byStatus = { '200': 10 };
    b.requests.byStatus = { '200': 18, '503': 2 };
    const sum = addMockStats(a, b);
    expect(sum.connections.maxOpen).toBe(7);
    expect(sum.requests.maxInFlight).toBe(9);
    expect(sum.requests.total).toBe(30);
    expect(sum.requests.byStatus).toEqual({ '200': 28, '503': 2 });
  });

  it('a sharded run against the embedded mock is refused before anything is sent', async () => {
    await expect(runScenario(scenario, { shard: { index: 1, count: 2 } })).rejects.toThrow(/a sharded run needs a real target/);
  });

  it('merged shards add up exactly: counters, histograms and rates add, against the one server’s counts; per-second percentiles from the added per-second histograms', async () => {
    const shards: Report[] = [];
    const served: number[] = [];
    for (const index of [1, 2]) {
      await mock.reset();
      // Each profile of each shard, checked against the server's own count as it goes.
      const report = await runScenario(scenario, { shard: { index, count: 2 }, target: mock.url });
      shards.push(report);
      served.push((await mock.stats()).requests.total);
    }
    const merged = mergeReports(shards);
    expect(merged.mergedFrom).toBe(2);
    expect(merged.partial).toBe(false);
    const attempts = merged.profiles.reduce((a, p) => a + p.attempts.total, 0);
    expect(attempts).toBe(served[0]! + served[1]!);
    for (const p of merged.profiles) {
      const parts = shards.map((s) => s.profiles.find((x) => x.name === p.name)!);
      expect(p.requests.total).toBe(101);
      expect(p.attempts.total).toBe(parts[0]!.attempts.total + parts[1]!.attempts.total);
      expect(p.statuses['503'] ?? 0).toBe((parts[0]!.statuses['503'] ?? 0) + (parts[1]!.statuses['503'] ?? 0));
      expect(decodeHistogram(p.histograms.latency).totalCount).toBe(101);
      expect(p.latencyMs!.count).toBe(101);
      // Rates add: each shard offered half the load, the merged run all of it.
      expect(p.rate.offered).toBeCloseTo(parts[0]!.rate.offered! + parts[1]!.rate.offered!, 5);
      expect(p.rate.offered!).toBeGreaterThan(90);
      // Each second's p50/p99 come from the shards' histograms of that second, added: exact, not null.
      for (const row of p.timeline.filter((r) => r.rps > 0)) {
        const h = decodeHistogram(p.intervals!.histograms.latency[row.t]!);
        expect(row.p99Ms).toBe(h.getValueAtPercentile(99) / 1000);
        expect(row.p50Ms!).toBeLessThanOrEqual(row.p99Ms!);
      }
    }
    expect(merged.profiles[1]!.findings.map((f) => f.id)).toContain('connection-churn');
    // One shard alone is a partial picture.
    expect(mergeReports([shards[0]!]).partial).toBe(true);
  });

  it('tailgate run --shard and tailgate merge from the command line; other scenarios are refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-shard-'));
    const refusedMock = await runCli(['run', 'quickstart', '--duration', '1s', '--shard', '1/2', '--out', dir]);
    expect(refusedMock.code).toBe(2);
    expect(refusedMock.stderr).toContain('a sharded run needs a real target');
    await mock.setFaults({ rules: [{ kind: 'latency', dist: 'fixed', ms: 10 }] }); // quickstart's gate wants no errors
    for (const s of ['1/2', '2/2']) {
      const r = await runCli(['run', 'quickstart', '--target', mock.url, '--duration', '1s', '--shard', s, '--profile', 'baseten-recommended', '--out', dir]);
      expect(r.code).toBe(0);
    }
    const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
    expect(files.map((f) => f.replace(/.*(-shard-\d-of-2)\.json$/, '$1'))).toEqual(['-shard-1-of-2', '-shard-2-of-2']);
    const out = join(dir, 'merged.json');
    const merged = await runCli(['merge', ...files.map((f) => join(dir, f)), '-o', out]);
    expect(merged.code).toBe(0);
    const report = JSON.parse(await readFile(out, 'utf8')) as Report;
    // quickstart offers 500 requests/s: each shard half of it, the merge all of it.
    expect(report.profiles[0]!.requests.total).toBe(500);
    expect(report.profiles[0]!.rate.offered).toBeGreaterThan(450);
    const other = await runCli(['run', 'timeouts', '--duration', '1s', '--profile', 'read-10s', '--out', dir]);
    expect(other.code).toBe(0);
    const otherFile = (await readdir(dir)).find((f) => f.startsWith('timeouts-') && f.endsWith('.json'))!;
    const refused = await runCli(['merge', join(dir, files[0]!), join(dir, otherFile), '-o', join(dir, 'x.json')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('is of another scenario');
  });

  it('shards run by hand at different times merge on one clock: a later shard’s seconds move by how much later it began', () => {
    const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();
    const shard = (index: number, startMs: number) => ({
      ...syntheticReport([profileFromLatencies('a', Array.from({ length: 30 }, () => 10 * index), { seconds: 3, extra: { startedAt: at(startMs) } })]),
      shard: { index, count: 2 },
      startedAt: at(startMs),
      endedAt: at(startMs + 3_000),
    });
    // Begun 5.2 s apart: the second shard's rows land 5 s later, not on top of the first's.
    const apart = mergeReports([shard(1, 0), shard(2, 5_200)]).profiles[0]!;
    expect(apart.timeline.map((r) => [r.t, r.rps])).toEqual([[0, 10], [1, 10], [2, 10], [5, 10], [6, 10], [7, 10]]);
    expect(apart.timeline.find((r) => r.t === 5)!.p50Ms).toBeCloseTo(20, 0);
    expect(apart.intervals!.counts.completed).toEqual([10, 10, 10, 0, 0, 10, 10, 10]);
    // Begun within the same second (a coordinated run): the rows add.
    const together = mergeReports([shard(1, 0), shard(2, 300)]).profiles[0]!;
    expect(together.timeline.map((r) => [r.t, r.rps])).toEqual([[0, 20], [1, 20], [2, 20]]);
  });
});

