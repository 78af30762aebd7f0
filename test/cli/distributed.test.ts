/**
 * Distributed runs end to end, as users start them: `tailgate coordinate` and `tailgate run --shard i/N
 * --coordinator URL` as separate processes started apart, against a mock whose own counts are the truth.
 */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startMockProcess, type MockProcess } from '../../mock-server/index.js';
import { loadScenario, type Report } from '../../src/runner/index.js';
import { spawnCli } from '../helpers/cli.js';

const RATE = 120;
const SECONDS = 3;

async function scenarioFile(dir: string, extra = ''): Promise<string> {
  const file = join(dir, 'scenario.yaml');
  await writeFile(
    file,
    `name: distributed\nworkload: { kind: embed, inputsPerRequest: 1 }\nload: { model: open, rate: ${RATE}, durationS: ${SECONDS} }\nprofiles:\n  - { name: pooled, preset: undici }\ngate:\n  thresholds: ["error_rate<1%"]\n${extra}`,
  );
  return file;
}

type Cli = ReturnType<typeof spawnCli>;
const exited = (c: Cli) => new Promise<number>((resolve) => (c.exitCode !== null ? resolve(c.exitCode) : c.once('exit', (code) => resolve(code ?? -1))));

/** The coordinator's URL, from the line it prints once it listens. */
async function coordinatorUrl(c: Cli): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const m = /waiting for \d+ shard\(s\) at (http:\/\/\S+)/.exec(c.output().stderr);
    if (m) return m[1] as string;
    if (Date.now() > deadline || c.exitCode !== null) throw new Error(`the coordinator did not start: ${JSON.stringify(c.output())}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function readReports(dir: string): Promise<{ merged: Report; shards: Report[] }> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json'));
  const read = async (f: string) => JSON.parse(await readFile(join(dir, f), 'utf8')) as Report;
  const mergedFile = files.find((f) => !f.includes('-shard-'));
  if (!mergedFile) throw new Error(`no merged report in ${files.join(', ')}`);
  return { merged: await read(mergedFile), shards: await Promise.all(files.filter((f) => f.includes('-shard-')).map(read)) };
}

let mock: MockProcess | null = null;
const children: Cli[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  await mock?.close();
  mock = null;
});

const start = (args: string[]) => {
  const c = spawnCli(args);
  children.push(c);
  return c;
};

describe('tailgate coordinate with shards started apart', () => {
  it('starts them together and merges one report equal to the server’s counts, with per-second percentiles', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-coord-'));
    const file = await scenarioFile(dir);
    mock = await startMockProcess({ faults: { rules: [{ kind: 'latency', dist: 'uniform', minMs: 5, maxMs: 60 }] } });
    const coordinator = start(['coordinate', '--shards', '2', '--port', '0', '--out', dir, '--lead', '1s', '--md', '-']);
    const url = await coordinatorUrl(coordinator);
    const first = start(['run', file, '--shard', '1/2', '--coordinator', url, '--target', mock.url, '--out', dir]);
    // The second shard starts seconds later: the first waits at the barrier, nothing is sent before both are in.
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await mock.stats()).requests.total).toBe(0);
    const second = start(['run', file, '--shard', '2/2', '--coordinator', url, '--target', mock.url, '--out', dir]);
    const codes = await Promise.all([exited(coordinator), exited(first), exited(second)]);
    expect(codes, JSON.stringify(children.map((c) => c.output().stderr))).toEqual([0, 0, 0]);

    const { merged, shards } = await readReports(dir);
    const server = await mock.stats();
    const p = merged.profiles[0]!;
    expect(shards).toHaveLength(2);
    expect(merged.partial).toBe(false);
    expect(p.requests.total).toBe(RATE * SECONDS);
    expect(p.requests.total).toBe(server.requests.total);
    expect(p.statuses['200']).toBe(server.requests.byStatus['200']);
    expect(p.attempts.total).toBe(server.requests.total);
    // Each shard first checks that the target answers a TCP connect (no request on it): one each.
    expect(p.connections.opened + 2).toBe(server.connections.accepted);
    expect(merged.distribution).toMatchObject({ shards: 2, mode: 'coordinated', missing: [] });
    for (const i of ['1', '2']) {
      // Skew is timer lateness on a loaded machine plus half a loopback round trip: small, and measured.
      expect(Math.abs(merged.distribution!.startSkewMs[i]!)).toBeLessThan(500);
      expect(merged.distribution!.clockRttMs[i]!).toBeGreaterThan(0);
    }
    // One clock, the coordinator's: each shard's run is placed at its barrier's start, whatever its own clock says.
    expect(new Set(shards.map((s) => s.profiles[0]!.startedAt)).size).toBe(1);
    expect(p.startedAt).toBe(shards[0]!.profiles[0]!.startedAt);
    // One clock: both shards' measured runs began within the skew, so their seconds line up row by row.
    const shardRows = shards.map((s) => s.profiles[0]!.timeline);
    for (const row of p.timeline) {
      const parts = shardRows.map((rows) => rows.find((r) => r.t === row.t)).filter((r) => r !== undefined && r.rps > 0);
      expect(row.rps).toBe(parts.reduce((t, r) => t + r!.rps, 0));
      if (row.rps === 0) continue;
      // A merged second's percentiles come from the shards' histograms of that second: never null, and
      // (as any percentile of a union) between the parts' own, to the histograms' resolution (3 digits).
      expect(row.p50Ms).not.toBeNull();
      expect(row.p99Ms).not.toBeNull();
      const p99s = parts.map((r) => r!.p99Ms as number);
      expect(row.p99Ms!).toBeGreaterThanOrEqual(Math.min(...p99s) * 0.999 - 1e-3);
      expect(row.p99Ms!).toBeLessThanOrEqual(Math.max(...p99s) * 1.001 + 1e-3);
    }
    // The full seconds carry both shards' halves of the rate: the shards started together.
    const full = p.timeline.filter((r) => r.t >= 1 && r.t < SECONDS - 1);
    for (const r of full) expect(r.rps).toBeGreaterThan(RATE * 0.6);
    expect(coordinator.output().stdout).toContain('## tailgate: distributed');
  }, 90_000);

  it('names a shard that never came and one that died mid-run; the merged report is partial (exit 3)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-coord-'));
    const file = await scenarioFile(dir);
    mock = await startMockProcess({});
    const coordinator = start(['coordinate', '--shards', '3', '--port', '0', '--out', dir, '--lead', '1s', '--checkin-timeout', '6s', '--shard-timeout', '3s']);
    const url = await coordinatorUrl(coordinator);
    const steady = start(['run', file, '--shard', '1/3', '--coordinator', url, '--target', mock.url, '--out', dir]);
    const doomed = start(['run', file, '--shard', '2/3', '--coordinator', url, '--target', mock.url, '--out', dir]);
    // Shard 3 never comes: after the check-in timeout the run starts without it.
    for (let i = 0; i < 400 && !/run of pooled/.test(coordinator.output().stderr); i++) await new Promise((r) => setTimeout(r, 50));
    // Mid-run: the step starts 1 s after the release and lasts 3 s.
    await new Promise((r) => setTimeout(r, 2_000));
    doomed.kill('SIGKILL');
    const code = await exited(coordinator);
    expect(code, coordinator.output().stderr).toBe(3);
    expect(await exited(steady)).toBe(0);
    const { merged } = await readReports(dir);
    expect(merged.partial).toBe(true);
    expect(merged.distribution!.missing.map((m) => [m.index, m.status])).toEqual([
      [2, 'missing'],
      [3, 'missing'],
    ]);
    expect(merged.distribution!.missing[1]!.detail).toMatch(/never checked in/);
    // What is merged is exactly the shard that reported: its counts, no more.
    expect(merged.profiles[0]!.requests.total).toBe(Math.floor((RATE / 3) * SECONDS));
    expect(coordinator.output().stdout).toMatch(/not in this report: shard 2 missing \(no word from it for \d+ s\); shard 3 missing \(never checked in/);
  }, 90_000);

  it('refuses a shard of another run before anything is sent (exit 2, named)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-coord-'));
    const file = await scenarioFile(dir);
    mock = await startMockProcess({});
    const coordinator = start(['coordinate', '--shards', '2', '--port', '0', '--out', dir, '--checkin-timeout', '10s']);
    const url = await coordinatorUrl(coordinator);
    const stray = start(['run', file, '--shard', '1/3', '--coordinator', url, '--target', mock.url, '--out', dir]);
    expect(await exited(stray)).toBe(2);
    expect(stray.output().stderr).toMatch(/this coordinator runs 2 shards .* shard 1\/3 does not belong to it/);
    expect(await exited(coordinator)).toBe(3);
    expect((await mock.stats()).requests.total).toBe(0);
  }, 60_000);

  it('malformed requests are refused; a shard that posts something that is not a report is named failed; the others are merged', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-coord-'));
    const file = await scenarioFile(dir);
    mock = await startMockProcess({});
    const coordinator = start(['coordinate', '--shards', '2', '--port', '0', '--out', dir, '--lead', '1s']);
    const url = await coordinatorUrl(coordinator);
    // Malformed requests are answered 400 and change nothing: the coordinator runs on.
    for (const [path, body] of [['/check-in', '[]'], ['/barrier', '{"shard":{"index":1,"count":2,"instance":"x"}}'], ['/report', '{"shard":7}'], ['/fail', 'not json'], ['/heartbeat', 'null']] as const) {
      const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status, `${path} ${body}`).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/must be|is required|not JSON/);
    }
    const honest = start(['run', file, '--shard', '1/2', '--coordinator', url, '--target', mock.url, '--out', dir]);
    // A hand-made shard 2 speaks the protocol, then posts a corrupt report of the right scenario.
    const scenario = await loadScenario(file);
    const shard = { index: 2, count: 2, instance: 'hand-made' };
    const post = async (path: string, body: object) => (await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();
    await post('/check-in', { shard, scenario: { name: scenario.name, hash: scenario.hash }, profiles: ['pooled'], load: scenario.load, graceMs: 10_000 });
    await post('/barrier', { shard, step: { profile: 'pooled', phase: 'run' } });
    await post('/report', { shard, report: { scenario: { name: scenario.name, hash: scenario.hash }, profiles: 'lots' }, startSkewMs: 0, clockRttMs: 1 });
    expect(await exited(coordinator), coordinator.output().stderr).toBe(3);
    expect(await exited(honest)).toBe(0);
    const { merged } = await readReports(dir);
    expect(merged.distribution!.missing).toEqual([{ index: 2, status: 'failed', detail: expect.stringMatching(/^its report is not one: schemaVersion is required/) }]);
    expect(merged.profiles[0]!.requests.total).toBe((RATE / 2) * SECONDS);
  }, 60_000);

  it('with a shared token, a shard without it is refused (exit 2, nothing sent) and the token appears in no output', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-coord-'));
    const file = await scenarioFile(dir);
    mock = await startMockProcess({});
    const secret = 'tok-3f9a1c77d2';
    const coordinator = spawnCli(['coordinate', '--shards', '1', '--port', '0', '--out', dir, '--lead', '1s', '--checkin-timeout', '20s'], { TAILGATE_COORDINATOR_TOKEN: secret });
    children.push(coordinator);
    const url = await coordinatorUrl(coordinator);
    const stranger = start(['run', file, '--shard', '1/1', '--coordinator', url, '--target', mock.url, '--out', dir]);
    expect(await exited(stranger)).toBe(2);
    expect(stranger.output().stderr).toMatch(/needs the shared token \(TAILGATE_COORDINATOR_TOKEN\)/);
    expect((await mock.stats()).requests.total).toBe(0);
    const member = spawnCli(['run', file, '--shard', '1/1', '--coordinator', url, '--target', mock.url, '--out', dir], { TAILGATE_COORDINATOR_TOKEN: secret });
    children.push(member);
    expect(await exited(member), member.output().stderr).toBe(0);
    expect(await exited(coordinator)).toBe(0);
    const everything = children.map((c) => JSON.stringify(c.output())).join('') + (await Promise.all((await readdir(dir)).filter((f) => f.endsWith('.json') || f.endsWith('.html')).map((f) => readFile(join(dir, f), 'utf8')))).join('');
    expect(everything).not.toContain(secret);
  }, 60_000);
});

