/**
 * Ctrl+C at a real terminal. A terminal's ^C is SIGINT to the whole foreground process group, so the
 * embedded mock (a child process) got it too, died, and the run exited 3 with no report. The mock now
 * runs in a process group of its own (as --workers children do) and still dies with its parent.
 * Driven through Debian's python3 `pty` module: a real pseudo-terminal, the ^C byte, its line discipline.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/runner/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DRIVER = fileURLToPath(new URL('../helpers/pty_interrupt.py', import.meta.url));
/** Debian's own python3, not a version manager's. */
const SYSTEM_PATH = execFileSync('getconf', ['PATH']).toString().trim();

const SCENARIO = `
name: ctrl-c
target:
  mock:
    faults:
      rules: [{ kind: latency, dist: fixed, ms: 300 }]
workload: { kind: embed, inputsPerRequest: 2 }
load: { model: open, rate: 40, durationS: 30 }
profiles:
  - name: first
  - name: second
`;

interface Driven {
  exit: number;
  sent: boolean;
  output: string;
}

function underTerminal(cmd: string[], after: string, delayS: number): Promise<Driven> {
  const spec = JSON.stringify({ cmd, cwd: ROOT, after, delayS, timeoutS: 60 });
  return new Promise((resolve, reject) =>
    execFile('python3', [DRIVER, spec], { env: { ...process.env, PATH: SYSTEM_PATH }, timeout: 90_000, maxBuffer: 16 << 20 }, (err, stdout) => {
      if (err) return reject(err);
      resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Driven);
    }),
  );
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function gone(pid: number, withinMs: number): Promise<boolean> {
  const until = Date.now() + withinMs;
  while (alive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  return !alive(pid);
}

describe('Ctrl+C at a terminal, against the embedded mock', () => {
  it('stops the load, drains against a mock that is still up, writes the partial report with every request accounted for', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-ctrl-c-'));
    const file = join(dir, 's.yaml');
    await writeFile(file, SCENARIO);
    // The progress line shows once the measured run has begun; a second later, ^C.
    const r = await underTerminal([process.execPath, '--import', 'tsx', 'src/cli/main.ts', 'run', file, '--out', dir, '--grace', '5s'], 'req/s', 1);
    expect(r.sent).toBe(true);
    expect(r.output).not.toContain('the mock process has exited');
    expect(r.output).toMatch(/partial report \(stopped early\): /);
    expect(r.exit).toBe(3);
    const written = (await readdir(dir)).filter((f) => f.endsWith('.json'));
    expect(written).toHaveLength(1);
    const report = JSON.parse(await readFile(join(dir, written[0]!), 'utf8')) as Report;
    expect(report.partial).toBe(true);
    expect(report.profiles.map((p) => p.name)).toEqual(['first']);
    const p = report.profiles[0]!;
    expect(p.requests.total).toBeGreaterThan(5);
    expect(p.requests.total).toBeLessThan(40 * 30);
    expect(p.requests.total).toBe(p.requests.ok + p.requests.failed);
    // The mock served through the drain: it counted every attempt the client sent, each logical request
    // once as a primary, and none failed for want of a server.
    expect(p.server!.requests.total).toBe(p.attempts.total);
    expect(p.server!.requests.byAttemptKind.primary).toBe(p.requests.total);
    expect(p.requests.failed).toBe(0);
    // Out of the terminal's process group, yet not outliving the run.
    expect(await gone(p.server!.pid, 5_000)).toBe(true);
  }, 90_000);

  it('the mock in its own process group still dies with its parent, even when the parent is SIGKILLed', async () => {
    const script = "import { startMockProcess } from './mock-server/index.ts'; const m = await startMockProcess(); console.log('mock', m.pid); setInterval(() => {}, 1000);";
    const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    parent.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const until = Date.now() + 15_000;
      while (!/mock (\d+)/.test(out) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      const pid = Number(/mock (\d+)/.exec(out)?.[1]);
      expect(pid).toBeGreaterThan(0);
      // Its own group: the group id is its own pid, not the parent's.
      expect(execFileSync('ps', ['-o', 'pgid=', '-p', String(pid)]).toString().trim()).toBe(String(pid));
      parent.kill('SIGKILL');
      const died = await gone(pid, 5_000);
      if (!died) process.kill(pid, 'SIGKILL');
      expect(died).toBe(true);
    } finally {
      if (parent.exitCode === null && parent.signalCode === null) parent.kill('SIGKILL');
    }
  }, 30_000);
});
