import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeHistogram } from '../src/metrics/index.js';
import { mergeReports } from '../src/report/index.js';
import { parseShard, resolveScenario, runScenario, shardLoad, type Report } from '../src/runner/index.js';
import { runCli } from './helpers/cli.js';

const scenario = resolveScenario({
  name: 'sharded',
  target: { mock: { faults: { rules: [{ kind: 'latency', dist: 'fixed', ms: 10 }, { kind: 'status', status: 503, probability: 0.1 }] } } },
  workload: { kind: 'embed', inputsPerRequest: 1 },
  load: { model: 'open', rate: 100, requests: 101 },
  profiles: [{ name: 'a' }, { name: 'b', pool: { mode: 'per-request' } }],
});

describe('sharded runs and merge', () => {
  it('splits the load between shards, remainder first', () => {
    expect(shardLoad(scenario.load, { index: 1, count: 2 })).toMatchObject({ rate: 50, requests: 51 });
    expect(shardLoad(scenario.load, { index: 2, count: 2 })).toMatchObject({ rate: 50, requests: 50 });
    expect(() => parseShard('3/2')).toThrow('--shard must be i/N with 1 <= i <= N, got "3/2"');
  });

  it('merged shards add up exactly: counters, histograms, the mock’s counts; per-second percentiles become null', async () => {
    const shards: Report[] = [];
    for (const index of [1, 2]) shards.push(await runScenario(scenario, { shard: { index, count: 2 } }));
    const merged = mergeReports(shards);
    expect(merged.mergedFrom).toBe(2);
    expect(merged.partial).toBe(false);
    for (const p of merged.profiles) {
      const parts = shards.map((s) => s.profiles.find((x) => x.name === p.name)!);
      expect(p.requests.total).toBe(101);
      expect(p.attempts.total).toBe(parts[0]!.attempts.total + parts[1]!.attempts.total);
      expect(p.statuses['503'] ?? 0).toBe((parts[0]!.statuses['503'] ?? 0) + (parts[1]!.statuses['503'] ?? 0));
      expect(decodeHistogram(p.histograms.latency).totalCount).toBe(101);
      expect(p.latencyMs!.count).toBe(101);
      expect(p.server!.requests.total).toBe(p.attempts.total);
      expect(p.timeline.every((r) => r.p99Ms === null)).toBe(true);
    }
    expect(merged.profiles[1]!.findings.map((f) => f.id)).toContain('connection-churn');
    // One shard alone is a partial picture.
    expect(mergeReports([shards[0]!]).partial).toBe(true);
  });

  it('tailgate run --shard and tailgate merge from the command line; other scenarios are refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-shard-'));
    for (const s of ['1/2', '2/2']) {
      const r = await runCli(['run', 'quickstart', '--duration', '1s', '--shard', s, '--profile', 'baseten-recommended', '--out', dir]);
      expect(r.code).toBe(0);
    }
    const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
    expect(files.map((f) => f.replace(/.*(-shard-\d-of-2)\.json$/, '$1'))).toEqual(['-shard-1-of-2', '-shard-2-of-2']);
    const out = join(dir, 'merged.json');
    const merged = await runCli(['merge', ...files.map((f) => join(dir, f)), '-o', out]);
    expect(merged.code).toBe(0);
    const report = JSON.parse(await readFile(out, 'utf8')) as Report;
    expect(report.profiles[0]!.requests.total).toBeGreaterThan(300);
    const other = await runCli(['run', 'timeouts', '--duration', '1s', '--profile', 'read-10s', '--out', dir]);
    expect(other.code).toBe(0);
    const otherFile = (await readdir(dir)).find((f) => f.startsWith('timeouts-') && f.endsWith('.json'))!;
    const refused = await runCli(['merge', join(dir, files[0]!), join(dir, otherFile), '-o', join(dir, 'x.json')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('is of another scenario');
  });
});
