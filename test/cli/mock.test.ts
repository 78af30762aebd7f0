import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/index.js';
import { runCli, spawnCli, waitForOutput } from '../helpers/cli.js';

describe('tailgate mock', () => {
  it('runs standalone on loopback, prints its address and active faults, serves, and stops on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-'));
    const faults = join(dir, 'faults.yaml');
    await writeFile(faults, 'seed: 9\nrules:\n  - kind: status\n    status: 503\n    path: /rerank\n');
    const child = spawnCli(['mock', '--port', '0', '--faults', faults]);
    const [, url] = await waitForOutput(child, /listening on (http:\/\/127\.0\.0\.1:\d+)/);
    expect(child.output().stdout).toContain('status on /rerank {"status":503}');
    // The admin API's own port, printed: it answers with the faults the file set.
    const adminUrl = /admin: (http:\/\/127\.0\.0\.1:\d+)\/__tailgate\/stats/.exec(child.output().stdout)?.[1];
    expect(adminUrl).toBeDefined();
    expect(adminUrl).not.toBe(url);
    expect(await (await fetch(`${adminUrl}/__tailgate/faults`)).json()).toMatchObject({ seed: 9 });
    const engine = new Engine(url!, {}, { env: {} });
    try {
      expect((await engine.attempt({ method: 'GET', path: '/health' })).status).toBe(200);
      await expect(engine.attempt({ method: 'POST', path: '/rerank', body: '{"query":"q","texts":["a"]}' })).rejects.toMatchObject({ status: 503 });
    } finally {
      await engine.close();
    }
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(0);
    expect(child.output().stdout).toMatch(/stopped: 2 requests on \d+ connections/);
  });

  it('an invalid fault file exits 2 naming the file and the field, and starts nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-'));
    const faults = join(dir, 'bad.yaml');
    await writeFile(faults, 'rules:\n  - kind: latency\n    dist: fixed\n    ms: -3\n');
    const { code, stdout, stderr } = await runCli(['mock', '--port', '0', '--faults', faults]);
    expect(code).toBe(2);
    expect(stderr).toContain(faults);
    expect(stderr).toContain('rules[0].ms must be a number in 0..3600000, got -3');
    expect(stdout).not.toContain('listening');
    const badPort = await runCli(['mock', '--port', '0', '--admin-port', '70000', '--embedding-dim', '0', '--tokens-per-second', '1e9']);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toContain('--admin-port must be an integer in 0..65535, got 70000');
    // The settings' own declarations (a scenario's target.mock holds the same ones), checked before the mock starts.
    expect(badPort.stderr).toContain('--embedding-dim must be an integer in 1..8192, got 0');
    expect(badPort.stderr).toContain('--tokens-per-second must be a number in 1..100000, got 1000000000');
    expect(badPort.stdout).not.toContain('listening');
  });
});
