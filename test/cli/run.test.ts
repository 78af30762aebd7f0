import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/runner/index.js';
import { closedPort, startStatusServer } from '../helpers/faulty-servers.js';
import { runCli, spawnCli, waitForOutput } from '../helpers/cli.js';

async function tempDir() {
  return mkdtemp(join(tmpdir(), 'tailgate-run-'));
}

const SCENARIO = `
name: cli-test
target:
  mock:
    faults:
      rules: [{ kind: latency, dist: fixed, ms: 20 }]
workload: { kind: embed, inputsPerRequest: 2 }
load: { model: open, rate: 100, durationS: 30 }
profiles:
  - name: first
  - name: second
`;

describe('tailgate run', () => {
  it('Ctrl+C stops the load, waits for requests in flight, writes the partial report and exits 3', async () => {
    const dir = await tempDir();
    const file = join(dir, 's.yaml');
    await writeFile(file, SCENARIO);
    const child = spawnCli(['run', file, '--out', dir, '--grace', '2s']);
    await waitForOutput(child, /cli-test: 2 profile/);
    // Stopped once the first profile's load is under way (its first progress line, after 5 s of 30), not after
    // a fixed wait a loaded machine may spend still starting.
    await waitForOutput(child, /^first\b/m, 30_000);
    child.kill('SIGINT');
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(3);
    expect(child.output().stdout).toMatch(/partial report \(stopped early\): /);
    const written = (await readdir(dir)).filter((f) => f.endsWith('.json'));
    expect(written).toHaveLength(1);
    const report = JSON.parse(await readFile(join(dir, written[0]!), 'utf8')) as Report;
    expect(report.partial).toBe(true);
    expect(report.profiles.map((p) => p.name)).toEqual(['first']);
    // The load had started (how far it got depends on the machine's load).
    expect(report.profiles[0]!.requests.total).toBeGreaterThan(5);
    expect(report.profiles[0]!.requests.total).toBeLessThan(1_000);
    // Everything that was sent was accounted for, by the client and by the server.
    expect(report.profiles[0]!.attempts.total).toBe(report.profiles[0]!.server!.requests.total);
  });

  it('--verify-fixes reruns each flagged profile with its fixes, prints before and after, and writes it into the report', async () => {
    const dir = await tempDir();
    const { code, stdout } = await runCli(['run', 'timeouts', '--duration', '2s', '--verify-fixes', '--out', dir]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/change: +timeouts\.read=\d+/);
    expect(stdout).toMatch(/✔ verified: read-500ms with timeouts\.read \d+ \(httpx\.Timeout\(read=\d+\)\)/);
    expect(stdout).toMatch(/timeouts-too-short \(critical\) *│ attempts timed out *│ [\d.]+% *│ 0% *│ fixed/);
    const json = (await readdir(dir)).find((f) => f.endsWith('.json'))!;
    const report = JSON.parse(await readFile(join(dir, json), 'utf8')) as Report;
    expect(report.verification).toHaveLength(1);
    expect(report.verification![0]).toMatchObject({ profile: 'read-500ms', verified: true, conflicts: [], findings: [{ id: 'timeouts-too-short', resolved: true, improved: true, after: 0 }] });
    // The verification run's own counts are not the report's: its profiles are as measured the first time.
    expect(report.profiles[0]!.errors.read_timeout).toBeGreaterThan(0);
    expect(await readFile(join(dir, json.replace(/\.json$/, '.html')), 'utf8')).toContain('Fixes verified by rerunning');
  }, 60_000);

  it('--verify-fixes with --workers, --shard or --repeat: exit 2, nothing run', async () => {
    const dir = await tempDir();
    for (const extra of [['--workers', '2'], ['--repeat', '2']]) {
      const { code, stderr } = await runCli(['run', 'timeouts', '--verify-fixes', ...extra, '--out', dir]);
      expect(code).toBe(2);
      expect(stderr).toContain('--verify-fixes reruns profiles in this one process: not with --workers, --shard or --repeat');
    }
    expect(await readdir(dir)).toEqual([]);
  });

  it('an unreachable target: a clear message and exit 3, no report', async () => {
    const dir = await tempDir();
    const port = await closedPort();
    const { code, stderr } = await runCli(['run', 'quickstart', '--target', `http://127.0.0.1:${port}`, '--out', dir]);
    expect(code).toBe(3);
    expect(stderr).toContain(`cannot reach 127.0.0.1:${port}: connection refused`);
    expect(await readdir(dir)).toEqual([]);
  });

  it('an invalid scenario: exit 2, every problem listed, nothing sent', async () => {
    const server = await startStatusServer(200);
    try {
      const dir = await tempDir();
      const file = join(dir, 'bad.yaml');
      await writeFile(file, `name: bad\ntarget: { url: "${server.url}" }\nworkload: { kind: embed }\nload: { model: open, rate: -1, durationS: 1 }\nprofiles: [{ name: a, pool: { connections: 0 } }]\n`);
      const { code, stderr } = await runCli(['run', file, '--out', dir]);
      expect(code).toBe(2);
      expect(stderr).toContain(`invalid scenario ${file}`);
      expect(stderr).toContain('load.rate must be a number in 0.001..1000000, got -1');
      expect(server.connections()).toBe(0);
      const usage = await runCli(['run', 'quickstart', '--rate', '0']);
      expect(usage.code).toBe(2);
      expect(usage.stderr).toContain('--rate must be a number in 0.001..1000000, got 0');
    } finally {
      await server.close();
    }
  });
});
