/**
 * The CLI against careless and hostile input: whatever can be checked before the first request is, and
 * nothing reaches a counting listener (not even a connect) when a check fails; outputs and files never
 * go where they should not.
 */
import { once } from 'node:events';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, runMain, spawnCli } from '../helpers/cli.js';

/** A TCP listener that only counts: a connect is already "something sent". */
async function countingListener(): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    connections++;
    sockets.add(s);
    s.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

let listener: Awaited<ReturnType<typeof countingListener>>;
afterEach(async () => listener?.close());

const scenarioFile = async (dir: string, yaml: string[]) => {
  const file = join(dir, 's.yaml');
  await writeFile(file, yaml.join('\n'));
  return file;
};
const BASE = ['name: hostile', 'workload: { kind: embed, inputsPerRequest: 1 }', 'load: { model: open, rate: 10, durationS: 1 }', 'profiles: [{ name: p, preset: undici }]'];

describe('checked before anything is sent (exit 2, not even a connect)', () => {
  it('an unknown or mistyped flag, a missing required one, a rate out of range, an invalid URL', async () => {
    listener = await countingListener();
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-hostile-'));
    const cases: [string[], RegExp][] = [
      [['run', '--target', listener.url, '--duraton', '1s', '--out', dir], /Unknown argument: duraton/],
      [['run', '--target', listener.url, '--rate', '1e12', '--out', dir], /--rate must be a number in 0\.001\.\.1000000, got 1000000000000/],
      [['run', '--target', 'http://127.0.0.1:99999', '--out', dir], /--target is not a valid URL/],
      [['run', '--target', 'http://[::1', '--out', dir], /--target is not a valid URL/],
      [['merge', 'a.json'], /Missing required argument: o/],
      [['probe', 'http://u:hunter2@[::1'], /URL is not a valid URL/],
    ];
    // The first through the program, the rest through its main() in this process: the same checks and words.
    for (const [i, [args, message]] of cases.entries()) {
      const r = await (i === 0 ? runCli : runMain)(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr).not.toContain('hunter2');
    }
    expect(listener.connections()).toBe(0);
    expect(await readdir(dir)).toEqual([]);
  });

  it('scenario problems found at load: every bad gate expression, a bad header name, a bad target URL, an answer the mock cannot build', async () => {
    listener = await countingListener();
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-hostile-'));
    const gate = await scenarioFile(dir, [...BASE, `target: { url: '${listener.url}', headers: { 'bad header': x } }`, "gate: { thresholds: ['p(99)<300', 'errors.pool_timeot<1', 'error_rate<1ms'] }"]);
    const r = await runMain(['run', gate, '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('target.headers.bad header: "bad header" is not a valid name here');
    expect(r.stderr).toContain('"p(99)<300": p(99) is a time: give ms, s or us');
    expect(r.stderr).toContain('unknown error code "pool_timeot"');
    expect(r.stderr).toContain('"error_rate<1ms": error_rate is a ratio');
    const big = await scenarioFile(dir, ['name: big', 'target: { mock: { embeddingDim: 2048 } }', 'workload: { kind: embed, inputsPerRequest: 2000 }', 'load: { model: open, rate: 1, durationS: 1 }', 'profiles: [{ name: p }]']);
    const b = await runMain(['run', big, '--out', dir]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('workload.inputsPerRequest × target.mock.embeddingDim is 2000 × 2048');
    expect(listener.connections()).toBe(0);
  });

  it('an unwritable --out is found before the run, quickly, naming the reason', async () => {
    listener = await countingListener();
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-hostile-'));
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    for (const [out, why] of [
      ['/proc/nope', 'cannot create /proc/nope'],
      [file, 'is not a directory'],
      [join(file, 'sub'), 'is not a directory'],
    ] as const) {
      const started = Date.now();
      const r = await runMain(['run', '--target', listener.url, '--out', out]);
      expect(r.code, out).toBe(2);
      expect(r.stderr, out).toContain(why);
      expect(Date.now() - started).toBeLessThan(20_000);
    }
    expect(listener.connections()).toBe(0);
  });

  it('oversized and binary scenario files are refused up front, their content never echoed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-hostile-'));
    const huge = join(dir, 'huge.yaml');
    await writeFile(huge, `items:\n${'  - x\n'.repeat(300_000)}`);
    const h = await runMain(['run', huge]);
    expect(h.code).toBe(2);
    expect(h.stderr).toMatch(/is 1\.\d MB; the limit is 1 MB/);
    const binary = join(dir, 'bin.yaml');
    await writeFile(binary, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0xff, 0xfe, 0x53, 0x45, 0x43, 0x52, 0x45, 0x54]));
    const bin = await runCli(['run', binary]);
    expect(bin.code).toBe(2);
    expect(bin.stderr).toContain('is not a YAML or JSON text file (binary content)');
    expect(bin.stderr).not.toContain('SECRET');
  });
});

/** A 16 KB tmpfs: a full disk on demand (needs root and mount; where mount is refused the test says so). */
function tinyDisk(): { dir: string; unmount: () => void } | null {
  const dir = mkdtempSync(join(tmpdir(), 'tailgate-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', dir], { stdio: 'ignore' });
    return { dir, unmount: () => execFileSync('umount', [dir], { stdio: 'ignore' }) };
  } catch {
    return null;
  }
}

describe('nothing lost', () => {
  const disk = tinyDisk();
  it.skipIf(disk === null)('a full disk: the summary is printed, the error names the file, no truncated report is left', async () => {
    try {
      const r = await runCli(['run', '--duration', '2s', '--out', disk!.dir]);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stdout).toContain('baseten-recommended');
      expect(r.stderr).toMatch(/could not write .*quickstart-.*\.json: ENOSPC/);
      expect((await readdir(disk!.dir)).filter((f) => f.includes('.json'))).toEqual([]);
    } finally {
      disk!.unmount();
    }
  });

  it('a run in which every request failed says so above everything, and how to fail CI on it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-allfail-'));
    const file = await scenarioFile(dir, [...BASE, "target: { mock: { faults: { rules: [{ kind: status, status: 503 }] } } }"]);
    const r = await runCli(['run', file, '--out', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✖ every request of p failed \(10 of 10; http_5xx 10\): add a threshold such as error_rate<1% to fail CI on it/);
  });

  it('stdout closed early (| head -1): the run goes on, writes its report, and exits 0', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-epipe-'));
    const child = spawnCli(['run', '--duration', '1s', '--out', dir]);
    child.stdout!.once('data', () => child.stdout!.destroy());
    const [code] = (await once(child, 'exit')) as [number];
    expect(child.output().stderr).not.toContain('EPIPE');
    expect(code).toBe(0);
    expect((await readdir(dir)).filter((f) => f.endsWith('.json'))).toHaveLength(1);
  });

  it('a second Ctrl+C abandons what is in flight at once, and the partial report is still written', async () => {
    listener = await countingListener(); // accepts and never answers
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-sigint-'));
    const file = await scenarioFile(dir, [...BASE.filter((l) => !l.startsWith('load')), 'load: { model: open, rate: 20, durationS: 60 }', 'warmup: { durationS: 30 }']);
    const child = spawnCli(['run', file, '--target', listener.url, '--grace', '60s', '--out', dir]);
    // Stopped during the warm-up: the grace applies there too, and the second Ctrl+C cuts it short.
    while (listener.connections() < 3) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    for (let i = 0; i < 300 && !child.output().stderr.includes('stopping'); i++) await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    child.kill('SIGINT');
    const [code] = (await once(child, 'exit')) as [number];
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(code).toBe(3);
    expect(child.output().stderr).toContain('abandoning the requests in flight now');
    const [json] = (await readdir(dir)).filter((f) => f.endsWith('.json'));
    const report = JSON.parse(await readFile(join(dir, json!), 'utf8'));
    expect(report.partial).toBe(true);
  });
});
