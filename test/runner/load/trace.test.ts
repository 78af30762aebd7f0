/**
 * Trace replay over real sockets: each line arrives at its offset (divided by the speedup) with its own
 * path and body; a bad trace file is refused as a whole, naming file:line, before anything is sent.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/index.js';
import { loadScenario, resolveScenario, runScenario } from '../../../src/runner/index.js';
import { loadTrace, parseTrace } from '../../../src/runner/load/trace-file.js';
import { runCli } from '../../helpers/cli.js';
import { startRecordingServer } from './recording-server.js';

/** Warm-up requests before a timed replay (see the first test). */
const WARM = 8;
let dir: string;
let server: Awaited<ReturnType<typeof startRecordingServer>>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tailgate-trace-'));
  server = await startRecordingServer();
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** A scenario next to its trace, which it names by a relative path. */
async function scenarioWith(name: string, lines: string[], load: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Promise<string> {
  await writeFile(join(dir, `${name}.jsonl`), `${lines.join('\n')}\n`);
  const scenario = {
    name,
    target: { url: server.url },
    workload: { kind: 'request', method: 'POST', path: '/workload', body: { from: 'workload' } },
    load: { model: 'trace', file: `${name}.jsonl`, ...load },
    profiles: [{ name: 'p' }],
    ...extra,
  };
  const file = join(dir, `${name}.yaml`);
  await writeFile(file, JSON.stringify(scenario));
  return file;
}

interface Line {
  atMs: number;
  path?: string;
  body?: unknown;
}

/** Lines with bursts (several at one offset), gaps, and out of order; line i is known by its path or body. */
function traceLines(): Line[] {
  const lines: Line[] = [];
  // The first line is due 50 ms in (offsets count from the start, not from the first line): the first
  // milliseconds of a stage are noisy (its session, timers and watchers start), up to 15 ms here.
  const offsets = [50, 50, 50, 85, 130, 131, 132, 133, 250, 310, 450, 450, 460, 650, 800, 810, 950, 1050, 1051, 1250];
  offsets.forEach((atMs, i) => {
    // Three kinds of line: path and body, path only (the workload's body), body only (the workload's path).
    if (i % 3 === 0) lines.push({ atMs, path: `/line/${i}?q=${i}`, body: { line: i, text: 'é' } });
    else if (i % 3 === 1) lines.push({ atMs, path: `/line/${i}` });
    else lines.push({ atMs, body: { line: i } });
  });
  return lines;
}

/** Which line a request was: by its path, else by its body. */
function lineOf(seen: { path: string; body: string }): number {
  const m = /^\/line\/(\d+)/.exec(seen.path);
  return m ? Number(m[1]) : (JSON.parse(seen.body) as { line: number }).line;
}

describe('trace replay', () => {
  it('sends each line at its offset, with its own path and body (the workload’s where it has none)', async () => {
    const byId = traceLines();
    const lines = [...byId.slice(10), ...byId.slice(0, 10)]; // the file's order is not the replay's
    server.seen.length = 0;
    // A cold client's first requests are slow: new connections, then the first reuses of them (code run
    // for the first time) reached the server 6-20 ms after they were fired here. The warm-up replays the
    // trace's first 8 lines (both kinds), then the measured run replays the whole trace from its start.
    const scenario = await loadScenario(await scenarioWith('replay', lines.map((l) => JSON.stringify(l)), {}, { warmup: { requests: WARM } }));
    const report = await runScenario(scenario, { graceMs: 2_000 });
    expect(report.profiles[0]!.warmup!.requests).toBe(WARM);
    expect(report.profiles[0]!.requests.total).toBe(lines.length);
    expect(server.seen).toHaveLength(WARM + lines.length);
    const measured = server.seen.slice(WARM); // the warm-up's requests all ended before the measured run began
    expect(measured.map(lineOf).sort((a, b) => a - b)).toEqual(byId.map((_, i) => i));
    const first = Math.min(...measured.map((s) => s.at));
    const offsets: string[] = [];
    for (const s of measured) {
      const line = byId[lineOf(s)]!;
      expect(s.path).toBe(line.path ?? '/workload');
      expect(s.body).toBe(JSON.stringify(line.body ?? { from: 'workload' }));
      const want = line.atMs - 50;
      const off = s.at - first;
      offsets.push(`${want}:${(off - want).toFixed(1)}`);
      expect(Math.abs(off - want), `line at ${want} ms after the first arrived at ${off.toFixed(1)} ms`).toBeLessThanOrEqual(20);
    }
    console.log(`trace offsets (ms after the first:error ms): ${offsets.join(' ')}`);
  });

  it('--workers 2 splits a trace: every line sent once, by one of the workers, at its time', async () => {
    const byId = traceLines();
    server.seen.length = 0;
    const file = await scenarioWith('split', byId.map((l) => JSON.stringify(l)));
    const r = await runCli(['run', file, '--workers', '2', '--out', join(dir, 'split-out'), '--grace', '2s']);
    expect(r.code, r.stderr).toBe(0);
    expect(server.seen.map(lineOf).sort((a, b) => a - b)).toEqual(byId.map((_, i) => i));
    const report = JSON.parse(await readFile(join(dir, 'split-out', (await readdir(join(dir, 'split-out'))).find((f) => f.endsWith('.json'))!), 'utf8'));
    expect(report.profiles[0].requests.total).toBe(byId.length);
    // One clock: the workers began together, so the last line arrives about 1.2 s after the first.
    const span = Math.max(...server.seen.map((x) => x.at)) - Math.min(...server.seen.map((x) => x.at));
    expect(span).toBeGreaterThan(1_000);
    expect(span).toBeLessThan(1_700);
  }, 60_000);

  it('a speedup divides the offsets', async () => {
    const lines = [200, 700, 1200, 1700, 2200].map((atMs, i) => JSON.stringify({ atMs, path: `/line/${i}` }));
    server.seen.length = 0;
    const t0 = performance.now();
    await runScenario(await loadScenario(await scenarioWith('fast', lines, { speedup: 4 }, { warmup: { requests: 3 } })), { graceMs: 2_000 });
    expect(performance.now() - t0).toBeLessThan(2_000); // 2 s of trace in 0.5 s (and a 0.25 s warm-up)
    const measured = server.seen.slice(3);
    expect(measured).toHaveLength(5);
    const first = Math.min(...measured.map((s) => s.at));
    const errors = measured.map((s) => s.at - first - lineOf(s) * 125);
    console.log(`speedup 4 offset errors (ms): ${errors.map((e) => e.toFixed(1)).join(' ')}`);
    for (const e of errors) expect(Math.abs(e)).toBeLessThanOrEqual(20);
  });

  it('a bad trace is refused whole, as file:line and the problem, with exit 2 and nothing sent', async () => {
    server.seen.length = 0;
    const connectionsBefore = server.connections();
    const file = await scenarioWith('bad', [
      '{"atMs": 0, "path": "/ok"}',
      '{"atMs": 10,',
      '{"atMs": "soon"}',
      '{"atMs": -5}',
      '{"path": "/no-time"}',
      '{"atMs": 20, "path": "no-slash"}',
      '{"atMs": 30, "at": 1}',
      '[1, 2]',
    ]);
    const { code, stderr } = await runCli(['run', file, '--out', join(dir, 'reports')]);
    expect(code).toBe(2);
    const bad = join(dir, 'bad.jsonl');
    for (const want of [
      `${bad}:2: not valid JSON`,
      `${bad}:3: atMs must be a number >= 0, got "soon"`,
      `${bad}:4: atMs must be a number >= 0, got -5`,
      `${bad}:5: atMs is required`,
      `${bad}:6: path is not valid (starts with / and holds no spaces or control characters: percent-encode them), got "no-slash"`,
      `${bad}:7: at is not a known field (known: atMs, path, body)`,
      `${bad}:8: the value must be an object, got a list`,
    ]) {
      expect(stderr).toContain(want);
    }
    expect(stderr).not.toContain(`${bad}:1:`);
    expect(server.connections()).toBe(connectionsBefore); // the CLI checks the trace with the scenario
    // In process too: resolveScenario does not read files, so runScenario reads the trace before sending.
    const inProcess = resolveScenario(JSON.parse(await readFile(file, 'utf8')), file);
    await expect(runScenario(inProcess)).rejects.toThrow(`${bad}:2: not valid JSON`);
    expect(server.seen).toHaveLength(0);
    // runScenario checks the target is reachable (a connect, nothing written) before it reads the trace.
    expect(server.connections()).toBeLessThanOrEqual(connectionsBefore + 1);
  });

  it('refuses files over the size limit before reading them, binary files, empty traces and bodies a GET cannot send', async () => {
    const big = join(dir, 'big.jsonl');
    await writeFile(big, `${'{"atMs": 0}\n'.repeat(200)}`);
    await expect(loadTrace(big, 'POST', 1024)).rejects.toThrow(/limit/);
    const binary = join(dir, 'binary.jsonl');
    await writeFile(binary, Buffer.from([0x7b, 0x00, 0xff, 0x7d]));
    await expect(loadTrace(binary, 'POST')).rejects.toThrow(/binary/);
    expect(() => parseTrace('t.jsonl', '\n\n', 'POST')).toThrow(/has no lines/);
    expect(() => parseTrace('t.jsonl', '{"atMs": 1, "body": {}}', 'GET')).toThrow("t.jsonl:1: body is set, but the workload's method GET sends none");
    expect(() => parseTrace('t.jsonl', '{"atMs": 1, "body": {}}', 'GET')).toThrow(InvalidInputError);
  });

  it('sorts lines by offset, keeping the file’s order for equal offsets, and stops listing after 20 problems', () => {
    const t = parseTrace('t.jsonl', ['{"atMs": 5, "path": "/b"}', '{"atMs": 1}', '{"atMs": 5, "path": "/c"}', '{"atMs": 0, "body": null}'].join('\r\n'), 'POST');
    expect(Array.from(t.atMs)).toEqual([0, 1, 5, 5]);
    expect(t.lines.map((l) => l.path ?? l.body ?? '-')).toEqual(['null', '-', '/b', '/c']);
    try {
      parseTrace('t.jsonl', 'x\n'.repeat(30), 'POST');
      expect.unreachable();
    } catch (err) {
      const problems = (err as InvalidInputError).problems;
      expect(problems).toHaveLength(21);
      expect(problems.at(-1)).toBe('… and 10 more problem(s)');
    }
  });
});
