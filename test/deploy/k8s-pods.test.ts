/**
 * The Job's pods, played here: the ConfigMap's own entrypoint.sh, run as local processes started seconds
 * apart (a shard before its coordinator, as pods start in any order), with the real tailgate behind it.
 * The stand-in for the container maps its mounts (/scenario, /reports) and its pod address (0.0.0.0:7070)
 * to this machine's; the commands are the pods'.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { startMockProcess, type MockProcess } from '../../mock-server/index.js';
import type { Report } from '../../src/runner/index.js';
import { freePort } from '../helpers/ports.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
type Doc = Record<string, any>;
const docs = async (): Promise<Doc[]> => parseAllDocuments(await readFile(join(ROOT, 'deploy/k8s/tailgate.yaml'), 'utf8')).map((d) => d.toJS() as Doc);

let mock: MockProcess | null = null;
const pods: ChildProcess[] = [];
afterEach(async () => {
  for (const p of pods.splice(0)) if (p.exitCode === null) p.kill('SIGKILL');
  await mock?.close();
  mock = null;
});

describe('deploy/k8s pods as local processes', () => {
  it('pod 2, then pod 0 two seconds later, then pod 1: one merged report equal to the server’s counts, the gate’s verdict as pod 0’s exit code', async () => {
    const all = await docs();
    const script = all.find((d) => d.kind === 'ConfigMap')!.data['entrypoint.sh'] as string;
    const job = all.find((d) => d.kind === 'Job')!;
    const env = Object.fromEntries((job.spec.template.spec.containers[0].env as Doc[]).filter((e) => 'value' in e).map((e) => [e.name, e.value]));
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-pods-'));
    const reports = join(dir, 'reports');
    const port = await freePort();
    mock = await startMockProcess({ faults: { rules: [{ kind: 'latency', dist: 'uniform', minMs: 5, maxMs: 30 }] } });
    // The scenario the ConfigMap would hold for this target: a small run.
    await writeFile(join(dir, 'scenario.yaml'), `name: pods\ntarget: { url: "${mock.url}" }\nworkload: { kind: embed, inputsPerRequest: 1 }\nload: { model: open, rate: 100, durationS: 2 }\nprofiles:\n  - { name: p, preset: undici }\ngate:\n  thresholds: ["error_rate<1%", "p(50)<1ms"]\n`);
    await writeFile(join(dir, 'entrypoint.sh'), script);
    // The container: its mounts and its address, then the real CLI.
    await writeFile(
      join(dir, 'tailgate'),
      `#!/usr/bin/env node
const map = { '/scenario/scenario.yaml': ${JSON.stringify(join(dir, 'scenario.yaml'))}, '/reports': ${JSON.stringify(reports)}, '0.0.0.0': '127.0.0.1', '7070': '${port}' };
const args = process.argv.slice(2).map((a) => map[a] ?? a);
const r = require('node:child_process').spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ${JSON.stringify(ROOT)}, stdio: 'inherit' });
process.exit(r.status ?? 1);
`,
    );
    await chmod(join(dir, 'tailgate'), 0o755);
    const outputs = new Map<number, string>();
    const pod = (index: number) => {
      const child = spawn('sh', ['-c', script], {
        env: { ...process.env, ...env, PATH: `${dir}:${process.env.PATH}`, SHARDS: '2', JOB_COMPLETION_INDEX: String(index), TAILGATE_COORDINATOR: `http://127.0.0.1:${port}` },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      outputs.set(index, '');
      const add = (d: Buffer) => outputs.set(index, `${outputs.get(index)}${d.toString()}`);
      child.stdout!.on('data', add);
      child.stderr!.on('data', add);
      pods.push(child);
      return new Promise<number>((r) => child.once('exit', (code) => r(code ?? -1)));
    };
    const exits: Promise<number>[] = [pod(2)];
    await new Promise((r) => setTimeout(r, 2_000));
    exits.unshift(pod(0));
    await new Promise((r) => setTimeout(r, 2_000));
    exits.splice(1, 0, pod(1));
    const codes = await Promise.all(exits);
    // The mock answers in 5-30 ms, so p(50)<1ms fails: pod 0 exits 1 (the Job fails), the shards 0.
    expect(codes, [...outputs].map(([i, o]) => `pod ${i}:\n${o}`).join('\n')).toEqual([1, 0, 0]);

    const files = (await readdir(reports)).filter((f) => f.endsWith('.json'));
    expect(files.filter((f) => f.includes('-shard-'))).toHaveLength(2);
    const merged = JSON.parse(await readFile(join(reports, files.find((f) => !f.includes('-shard-'))!), 'utf8')) as Report;
    const server = await mock.stats();
    const p = merged.profiles[0]!;
    expect(p.requests.total).toBe(200);
    expect(p.requests.total).toBe(server.requests.total);
    expect(p.statuses['200']).toBe(server.requests.byStatus['200']);
    expect(merged.distribution).toMatchObject({ shards: 2, mode: 'coordinated', missing: [] });
    expect(p.timeline.filter((r) => r.rps > 0).every((r) => r.p99Ms !== null)).toBe(true);
    // The Markdown summary is in pod 0's log.
    expect(outputs.get(0)).toContain('## tailgate: pods');
  }, 120_000);
});
