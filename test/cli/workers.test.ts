/**
 * `tailgate run --workers N`: N processes as coordinated shards of one run. Their counts are proven
 * against counts tailgate did not make: a real nginx's access log, and the shared mock's own stats.
 */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { availableParallelism } from 'node:os';
import { RATE_PER_WORKER, type Report } from '../../src/runner/index.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { startNginx, type Nginx } from '../helpers/nginx.js';

async function scenario(dir: string, body: string): Promise<string> {
  const file = join(dir, 'scenario.yaml');
  await writeFile(file, body);
  return file;
}

async function report(dir: string): Promise<Report> {
  const [file] = (await readdir(dir)).filter((f) => f.endsWith('.json'));
  return JSON.parse(await readFile(join(dir, file as string), 'utf8')) as Report;
}

let nginx: Nginx | null = null;
afterEach(async () => {
  await nginx?.stop();
  nginx = null;
});

// CI installs nginx (.ci/run); elsewhere the test says it was skipped rather than pass unseen.
describe('run --workers 2 against Debian’s nginx', () => {
  it('sends exactly the requests in nginx’s access log, each counted once, with per-second percentiles', async () => {
    nginx = await startNginx();
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-workers-'));
    const file = await scenario(dir, 'name: workers-nginx\nworkload: { kind: embed, inputsPerRequest: 1 }\nload: { model: open, rate: 150, durationS: 3 }\nwarmup: { durationS: 1 }\nprofiles:\n  - { name: a, preset: undici }\n  - { name: b, preset: httpx }\n');
    const r = await runCli(['run', file, '--workers', '2', '--target', nginx.url, '--out', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('2 worker processes');
    const merged = await report(dir);
    const log = await nginx.accessLog();
    const warmups = merged.profiles.reduce((t, p) => t + (p.warmup?.requests ?? 0), 0);
    const measured = merged.profiles.reduce((t, p) => t + p.requests.total, 0);
    expect(merged.distribution).toMatchObject({ shards: 2, mode: 'workers', missing: [] });
    for (const p of merged.profiles) {
      expect(p.requests.total).toBe(450);
      expect(p.requests.ok).toBe(450);
      expect(p.attempts.total).toBe(450);
      expect(p.timeline.filter((row) => row.rps > 0).every((row) => row.p99Ms !== null)).toBe(true);
    }
    // Every line of the log is a request the report counted (warm-ups included, reported apart).
    expect(log.length).toBe(measured + warmups);
    expect(log.filter((l) => l === '200 POST /v1/embeddings').length).toBe(log.length);
  }, 90_000);
});

describe.skipIf(availableParallelism() < 2)('run without --workers, at a rate one process does not send', () => {
  it('uses more processes and says so; nginx logged every request once', async () => {
    nginx = await startNginx();
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-workers-'));
    const rate = 2 * RATE_PER_WORKER;
    const file = await scenario(dir, `name: auto-workers\nworkload: { kind: request, method: GET, path: /ok }\nload: { model: open, rate: ${rate}, durationS: 1 }\nprofiles:\n  - { name: a, preset: undici, pool: { connections: 64 } }\n`);
    const r = await runCli(['run', file, '--target', nginx.url, '--out', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('using 2 worker processes: the rate needs more than one core (--workers 1 keeps one)');
    const merged = await report(dir);
    expect(merged.distribution).toMatchObject({ shards: 2, mode: 'workers' });
    expect(merged.profiles[0]!.requests.total).toBe(rate);
    expect((await nginx.accessLog()).length).toBe(rate);
  }, 90_000);
});

describe('run --workers 2 on the embedded mock', () => {
  it('shares one mock: its own counts per profile equal the merged report’s', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-workers-'));
    const file = await scenario(
      dir,
      'name: workers-mock\ntarget:\n  mock:\n    faults: { rules: [{ kind: latency, dist: uniform, minMs: 5, maxMs: 40 }] }\nworkload: { kind: embed, inputsPerRequest: 1 }\nload: { model: open, rate: 100, durationS: 2 }\nwarmup: { durationS: 1 }\nprofiles:\n  - { name: a, preset: undici }\n  - { name: b, preset: openai-node }\n',
    );
    const r = await runCli(['run', file, '--workers', '2', '--out', dir]);
    expect(r.code, r.stderr).toBe(0);
    const merged = await report(dir);
    expect(merged.target.kind).toBe('mock');
    for (const p of merged.profiles) {
      expect(p.requests.total).toBe(200);
      // The mock was reset after the warm-up and between profiles: what it counted is this profile's run.
      expect(p.server?.requests.total).toBe(p.attempts.total);
      expect(p.server?.requests.byStatus['200']).toBe(p.statuses['200']);
      expect(p.server?.connections.accepted).toBe(p.connections.opened);
    }
  }, 90_000);

  it('Ctrl+C stops every worker; the partial report still accounts for every request the mock saw', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-workers-'));
    const file = await scenario(dir, 'name: workers-stop\nworkload: { kind: embed, inputsPerRequest: 1 }\nload: { model: open, rate: 100, durationS: 30 }\nprofiles:\n  - { name: a, preset: undici }\n');
    const child = spawnCli(['run', file, '--workers', '2', '--out', dir, '--grace', '2s']);
    for (let i = 0; i < 400 && !/run of a/.test(child.output().stderr); i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 2_500));
    child.kill('SIGINT');
    const code = await new Promise<number>((resolve) => child.once('exit', (c) => resolve(c ?? -1)));
    expect(code, child.output().stderr).toBe(3);
    const merged = await report(dir);
    const p = merged.profiles[0]!;
    expect(merged.partial).toBe(true);
    expect(merged.distribution!.missing).toEqual([]);
    expect(p.requests.total).toBeGreaterThan(50);
    expect(p.requests.total).toBeLessThan(3_000);
    expect(p.server?.requests.total).toBe(p.attempts.total);
  }, 90_000);
});
