/**
 * The gate on real runs beside a busy neighbour: the load generator runs on one core with a process
 * spinning beside it, the mock alone on the other (so "busy" is the generator's machine, not the server's).
 * A run of an identical server must not fail against a quiet baseline; a server 1.5x slower must fail
 * whenever the slowdown exceeds the generator's own measured delay, and is never called a pass.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockProcess, type MockProcess } from '../../mock-server/index.js';
import { runGate } from '../../src/report/index.js';
import type { Report } from '../../src/runner/index.js';
import { runCli } from '../helpers/cli.js';

const pinning = availableParallelism() >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
const GENERATOR_CORE = pinning ? ['taskset', '-c', '0'] : [];

let mock: MockProcess;
let dir: string;

beforeAll(async () => {
  mock = await startMockProcess({ faults: { rules: [{ kind: 'latency', dist: 'fixed', ms: 30 }] } });
  if (pinning) spawnSync('taskset', ['-cp', '1', String(mock.pid)]);
  dir = await mkdtemp(join(tmpdir(), 'tailgate-gate-busy-'));
  await writeFile(
    join(dir, 's.yaml'),
    ['name: busy', 'workload: { kind: embed, inputsPerRequest: 1 }', 'load: { model: open, rate: 100, durationS: 5 }', 'warmup: { durationS: 1 }', 'profiles: [{ name: p, preset: undici }]'].join('\n'),
  );
});
afterAll(async () => {
  await mock?.close();
});

/** One `tailgate run` against the mock, its generator pinned beside a spinning neighbour when `busy`. */
async function run(label: string, latencyMs: number, busy: boolean): Promise<Report> {
  await mock.setFaults({ rules: [{ kind: 'latency', dist: 'fixed', ms: latencyMs }] });
  await mock.reset();
  const out = join(dir, label);
  const neighbour: ChildProcess | null = busy ? spawn(GENERATOR_CORE[0] ?? process.execPath, [...GENERATOR_CORE.slice(1), ...(pinning ? [process.execPath] : []), '-e', 'for(;;){}'], { stdio: 'ignore' }) : null;
  try {
    const r = pinning
      ? await runPinned(['run', join(dir, 's.yaml'), '--target', mock.url, '--out', out])
      : await runCli(['run', join(dir, 's.yaml'), '--target', mock.url, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
  } finally {
    neighbour?.kill('SIGKILL');
  }
  const [file] = (await readdir(out)).filter((f) => f.endsWith('.json'));
  const report = JSON.parse(await readFile(join(out, file!), 'utf8')) as Report;
  // Every request the report counts (warm-up and measured), the server counted (its own stats).
  const p = report.profiles[0]!;
  expect(p.requests.total + (p.warmup?.requests ?? 0)).toBe((await mock.stats()).requests.total);
  return report;
}

/** The CLI from source, its process pinned to the generator's core. */
function runPinned(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(GENERATOR_CORE[0] as string, [...GENERATOR_CORE.slice(1), process.execPath, '--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: join(import.meta.dirname, '../..'), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr })));
}

describe('the gate beside a busy neighbour', () => {
  it('identical servers do not fail; a 1.5x slower one fails where its slowdown exceeds the generator delay, and never passes', { timeout: 90_000 }, async () => {
    const baseline = await run('quiet', 30, false);
    const same = await run('busy-same', 30, true);
    const slower = await run('busy-slower', 45, true);
    // The median: a loaded machine's server has a noisy tail of its own, which a regression of the tail would
    // rightly report; the generator's effect on the median is what this test holds.
    const gate = (r: Report) => runGate(r, { thresholds: ['p(50)<40ms'], maxRegression: ['p(50)=10%'], baseline });
    for (const c of gate(same)) expect(c.status, `${c.expression}: ${c.detail}`).not.toBe('fail');
    for (const c of gate(slower)) {
      expect(c.status, `${c.expression}: ${c.detail}`).not.toBe('pass');
      // 15 ms slower at p50, 5 ms over the threshold: decided whenever the generator's own delay is smaller.
      const slowdown = c.kind === 'threshold' ? 5 : 15 - 3;
      if ((c.generatorMs ?? 0) < slowdown) expect(c.status, `${c.expression}: ${c.detail}`).toBe('fail');
      else expect(c.detail).toMatch(/load generator/);
    }
    // The generator's delay was measured per request, and reported.
    expect(slower.profiles[0]!.generator?.startLagMs?.count).toBe(slower.profiles[0]!.requests.total);
  });
});
