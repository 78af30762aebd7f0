/**
 * Shared benchmark plumbing: start a server in a child process, run contenders in interleaved rounds
 * (so drift on a noisy machine hits all of them alike), and print medians and ratios to a named peer.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

export interface ChildServer {
  port: number;
  url: string;
  stop(): Promise<void>;
}

/** `taskset -c CPU` before a command when `cpu` is given: the process then runs on that core only. */
function pinned(cpu: string | undefined, args: string[]): [string, string[]] {
  return cpu === undefined ? [process.execPath, args] : ['taskset', ['-c', cpu, process.execPath, ...args]];
}

/** Run a compiled bench/*.js server script in a child process (pinned to `cpu`, if given) and wait for the port it prints. */
export async function startChildServer(script: string, args: string[] = [], env: Record<string, string> = {}, cpu?: string): Promise<ChildServer> {
  const path = fileURLToPath(new URL(script, import.meta.url));
  const [cmd, argv] = pinned(cpu, [path, ...args]);
  const child: ChildProcess = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve(Number(line.trim()));
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        // Not unref'd: a server still closing its clients' connections must not outlive the benchmark.
        const kill = setTimeout(() => child.kill('SIGKILL'), 2_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/**
 * Run a compiled bench/*.js script in a child process, pinned to `cpu` if given, and return the JSON it
 * prints as its last line of stdout (`noJson`: nothing). With `raw`, `script` is a command run as given.
 */
export async function runChild<T>(script: string, args: string[], options: { cpu?: string; raw?: boolean; noJson?: boolean } = {}): Promise<T> {
  const path = options.raw ? script : fileURLToPath(new URL(script, import.meta.url));
  const [cmd, argv] = options.raw && options.cpu === undefined ? [path, args] : pinned(options.cpu, [path, ...args]);
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`${script} ${args.join(' ')} exited with ${code}: ${out.slice(-500)}`);
  if (options.noJson) return undefined as T;
  const last = out.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as T;
}

/** Keep `concurrency` calls of `one` in flight for `ms`; returns completed calls per second. */
export async function runFor(ms: number, concurrency: number, one: () => Promise<unknown>): Promise<number> {
  let done = 0;
  const end = performance.now() + ms;
  const worker = async () => {
    while (performance.now() < end) {
      await one();
      done++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return done / ((performance.now() - t0) / 1000);
}

export interface Contender {
  name: string;
  setup?(): Promise<void>;
  one(): Promise<unknown>;
  teardown?(): Promise<void>;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Medians by contender, and each round's ratio of one contender to another (rounds paired as they ran). */
export type Compared = Map<string, number> & { ratios(a: string, b: string): number[] };

/** Each round's a/b, where `rounds` holds every contender's figure per round in the order they ran. */
export function roundRatios(rounds: Map<string, number[]>, a: string, b: string): number[] {
  const xs = rounds.get(a) ?? [];
  const ys = rounds.get(b) ?? [];
  return xs.map((x, i) => x / (ys[i] as number)).filter((r) => Number.isFinite(r));
}

/** Rounds of every contender in turn; prints a table of median ops/s and the ratio to `peer`. */
export async function compare(
  title: string,
  contenders: Contender[],
  options: { rounds: number; ms: number; concurrency: number; peer: string; unit?: string },
): Promise<Compared> {
  const results = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (const c of contenders) await c.setup?.();
  for (const c of contenders) await runFor(Math.min(1_000, options.ms), options.concurrency, () => c.one()); // warm-up
  for (let round = 0; round < options.rounds; round++) {
    const order = round % 2 === 0 ? contenders : [...contenders].reverse();
    for (const c of order) results.get(c.name)!.push(await runFor(options.ms, options.concurrency, () => c.one()));
  }
  for (const c of contenders) await c.teardown?.();
  const medians = new Map([...results].map(([name, xs]) => [name, median(xs)]));
  const peer = medians.get(options.peer) ?? 1;
  const unit = options.unit ?? 'req/s';
  console.log(`\n${title} (concurrency ${options.concurrency}, ${options.rounds} rounds x ${options.ms} ms, median)`);
  for (const [name, value] of medians) {
    const spread = results.get(name)!.map((x) => x.toFixed(0)).join(' ');
    console.log(`  ${name.padEnd(28)} ${value.toFixed(0).padStart(9)} ${unit}  ${(value / peer).toFixed(2)}x ${options.peer}   [${spread}]`);
  }
  return Object.assign(medians, { ratios: (a: string, b: string) => roundRatios(results, a, b) });
}

/** One row of reports/bench.json (README "Benchmarks"): a ratio against a peer, and its target. */
export interface BenchRow {
  bench: string;
  contender: string;
  peer: string;
  /** contender / peer; null when it could not be measured (the console says why). */
  ratio: number | null;
  /** The ratio's target (a ceiling for rates of failure, a floor for speed), or null when only measured. */
  target: number | null;
  met: boolean | null;
  /** How the ratio meets its target: at least, at most, or within `target` of 1 (e.g. ±0.05). */
  sense?: '>=' | '<=' | '±';
  /** Where the ratio is the median of rounds: their interquartile range [q1, q3]. */
  iqr?: [number, number];
  /** The machine's 1-minute load average when the benchmark started and when it wrote its rows. */
  load?: [number, number];
}

/** The 1-minute load average when this benchmark's process started (writeBenchRows adds the one at its end). */
const loadAtStart = loadavg()[0] as number;
const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * A row whose `met` follows from its ratio, target and sense (ratios rounded to 3 decimals); `iqr` when
 * the ratio is the median of rounds (ratioRow passes it).
 */
export function row(
  bench: string,
  contender: string,
  peer: string,
  ratio: number | null,
  target: number | null = null,
  sense: '>=' | '<=' | '±' = '>=',
  iqr?: [number, number],
): BenchRow {
  const r = ratio === null || !Number.isFinite(ratio) ? null : round3(ratio);
  let met: boolean | null = null;
  if (r !== null && target !== null) met = sense === '>=' ? r >= target : sense === '<=' ? r <= target : Math.abs(r - 1) <= target;
  return { bench, contender, peer, ratio: r, target, met, ...(target === null ? {} : { sense }), ...(r !== null && iqr ? { iqr: [round3(iqr[0]), round3(iqr[1])] } : {}) };
}

/** A row whose ratio is the median of each round's ratio (empty: not measured), with their interquartile range. */
export function ratioRow(bench: string, contender: string, peer: string, ratios: number[], target: number | null = null, sense: '>=' | '<=' | '±' = '>='): BenchRow {
  if (ratios.length === 0) return row(bench, contender, peer, null, target, sense);
  const [q1, med, q3] = quartiles(ratios);
  return row(bench, contender, peer, med, target, sense, [q1, q3]);
}

/** The quartiles of xs: [q1, median, q3] (linear interpolation). */
export function quartiles(xs: number[]): [number, number, number] {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => {
    const pos = (s.length - 1) * q;
    const lo = Math.floor(pos);
    return (s[lo] as number) + ((s[Math.min(lo + 1, s.length - 1)] as number) - (s[lo] as number)) * (pos - lo);
  };
  return [at(0.25), at(0.5), at(0.75)];
}

/**
 * Paired rounds: each round measures `a` and `b` back to back (AB, then BA the next round, and so on),
 * and keeps a/b of that round, so drift on a shared machine cancels within a pair. Returns each round's
 * ratio and their quartiles: the median is the figure, the interquartile range its spread.
 */
export async function pairedRatios(rounds: number, a: () => Promise<number>, b: () => Promise<number>): Promise<{ ratios: number[]; q: [number, number, number] }> {
  const ratios: number[] = [];
  for (let i = 0; i < rounds; i++) {
    let x: number;
    let y: number;
    if (i % 2 === 0) {
      x = await a();
      y = await b();
    } else {
      y = await b();
      x = await a();
    }
    ratios.push(x / y);
  }
  return { ratios, q: quartiles(ratios) };
}

/** Replace this benchmark's rows in reports/bench.json, keeping the other benchmarks'. */
export async function writeBenchRows(bench: string, rows: BenchRow[]): Promise<void> {
  const { mkdir, readFile, writeFile } = await import('node:fs/promises');
  const file = 'reports/bench.json';
  let existing: { rows: BenchRow[] } = { rows: [] };
  try {
    existing = JSON.parse(await readFile(file, 'utf8')) as { rows: BenchRow[] };
  } catch {
    // first benchmark to write
  }
  await mkdir('reports', { recursive: true });
  const kept = existing.rows.filter((r) => r.bench !== bench);
  const load: [number, number] = [Math.round(loadAtStart * 100) / 100, Math.round((loadavg()[0] as number) * 100) / 100];
  const stamped = rows.map((r) => ({ ...r, load }));
  // Without the `run` an earlier npm run bench added: it no longer describes these rows (all.ts adds its own).
  await writeFile(file, `${JSON.stringify({ at: new Date().toISOString(), rows: [...kept, ...stamped] }, null, 2)}\n`);
}
