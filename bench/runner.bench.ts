/**
 * npm run bench:runner — the runner against autocannon, per core: each contender runs in a process of its
 * own pinned to CPU 0 (taskset), the minimal server in another pinned to CPU 1; rounds interleaved.
 * 1. Closed loop, CONNECTIONS connections: completed requests/s. Target >= 1.0x autocannon.
 * 2. Open loop at OPEN_PCT of autocannon's closed rate: the rate achieved, and whether tailgate sent any
 *    request late (> 10 ms after due). Target >= 1.0x autocannon at the same overallRate.
 * 3. Two workers each (not pinned: one per core, beside the server): `tailgate run --workers 2` against
 *    `autocannon -w 2`, closed loop. Target >= 1.0x. Written with ratio null while the CLI lacks --workers.
 * 4. Memory: peak RSS of a run of 1,000,000 requests against one of 100,000 (fresh processes). Target
 *    <= 1.5x: what the runner keeps (HDR histograms, counters, one timeline row per second) must not grow
 *    with the request count; a per-request leak of even 50 bytes would show as +45 MB.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, row, runChild, startChildServer, writeBenchRows, type BenchRow } from './harness.js';
import type { Measured } from './runner-child.js';

const CONNECTIONS = Number(process.env.CONNECTIONS ?? 50);
const SECONDS = Number(process.env.SECONDS ?? 5);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const OPEN_PCT = Number(process.env.OPEN_PCT ?? 0.8);
const MILLION = Number(process.env.REQUESTS ?? 1_000_000);
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

const server = await startChildServer('./minimal-server.js', [], {}, '1');
const rows: BenchRow[] = [];
const child = (kind: string, mode: string, extra: (string | number)[] = [], cpu: string | undefined = '0') =>
  runChild<Measured>('./runner-child.js', [kind, mode, server.url, CONNECTIONS, SECONDS, ...extra].map(String), cpu === undefined ? {} : { cpu });

/** Rounds of every contender in turn (reversed every other round); each contender's results. */
async function rounds(contenders: Record<string, () => Promise<Measured | null>>): Promise<Record<string, Measured[]>> {
  const out: Record<string, Measured[]> = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
  for (let i = 0; i < ROUNDS; i++) {
    const names = Object.keys(contenders);
    for (const name of i % 2 ? names.reverse() : names) {
      const m = await contenders[name]!();
      if (m) out[name]!.push(m);
    }
  }
  return out;
}

function show(title: string, results: Record<string, Measured[]>, peer: string): Map<string, number> {
  const medians = new Map(Object.entries(results).map(([k, xs]) => [k, xs.length ? median(xs.map((x) => x.rate)) : Number.NaN]));
  console.log(`\n${title} (${ROUNDS} rounds x ${SECONDS} s, median)`);
  for (const [name, xs] of Object.entries(results)) {
    const m = medians.get(name)!;
    const late = xs.some((x) => x.late !== null) ? `  late ${xs.map((x) => x.late).join(' ')}` : '';
    const failed = xs.some((x) => x.failed > 0) ? `  failed ${xs.map((x) => x.failed).join(' ')}` : '';
    console.log(`  ${name.padEnd(30)} ${m.toFixed(0).padStart(8)} req/s  ${(m / medians.get(peer)!).toFixed(2)}x ${peer}   [${xs.map((x) => x.rate.toFixed(0)).join(' ')}]${late}${failed}`);
  }
  return medians;
}

// 1. Closed loop.
const closed = await rounds({
  autocannon: () => child('autocannon', 'closed'),
  'tailgate run': () => child('tailgate', 'closed'),
  'undici Pool.dispatch loop': () => child('undici', 'closed'),
});
const c = show(`closed loop, ${CONNECTIONS} connections, one core each, GET of a tiny body`, closed, 'autocannon');
rows.push(row('runner', `tailgate run, closed ${CONNECTIONS} conns, 1 core`, 'autocannon, 1 core', c.get('tailgate run')! / c.get('autocannon')!, 1));
rows.push(row('runner', `undici Pool.dispatch loop, closed ${CONNECTIONS} conns, 1 core`, 'autocannon, 1 core', c.get('undici Pool.dispatch loop')! / c.get('autocannon')!));

// 2. Open loop at a fixed high rate.
const rate = Math.round(OPEN_PCT * c.get('autocannon')!);
const open = await rounds({
  autocannon: () => child('autocannon', 'open', [rate]),
  'tailgate run': () => child('tailgate', 'open', [rate]),
});
const o = show(`open loop at ${rate} req/s (${OPEN_PCT * 100}% of autocannon's closed rate), one core each`, open, 'autocannon');
const late = open['tailgate run']!.reduce((n, x) => n + (x.late ?? 0), 0);
console.log(`  tailgate: ${late > 0 ? `${late} requests late (sent > 10 ms after due) over ${ROUNDS} rounds` : 'no request late'}`);
rows.push(row('runner', `tailgate run, open ${rate}/s, 1 core (late ${late > 0 ? '> 0' : '0'})`, 'autocannon -R, 1 core', o.get('tailgate run')! / o.get('autocannon')!, 1));

// 3. Two workers each.
const help = spawnSync(process.execPath, [CLI, 'run', '--help'], { encoding: 'utf8' }).stdout;
const hasWorkers = help.includes('--workers');
async function tailgateWorkers(): Promise<Measured> {
  const dir = await mkdtemp(join(tmpdir(), 'tailgate-bench-'));
  const file = join(dir, 'scenario.json');
  const scenario = {
    name: 'bench-workers',
    target: { url: server.url },
    workload: { kind: 'request', path: '/', method: 'GET' },
    load: { model: 'closed', users: CONNECTIONS, durationS: SECONDS },
    warmup: { durationS: Number(process.env.WARMUP_S ?? 1) },
    profiles: [{ name: 'tailgate', preset: 'undici', pool: { connections: CONNECTIONS, keepAliveMs: 60_000 } }],
  };
  await writeFile(file, JSON.stringify(scenario));
  const run = spawnSync(process.execPath, [CLI, 'run', file, '--workers', '2', '--out', dir], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`tailgate run --workers 2 exited with ${run.status}: ${run.stderr}`);
  const report = (await readdir(dir)).find((f) => f.endsWith('.json') && f !== 'scenario.json');
  const p = JSON.parse(await readFile(join(dir, report!), 'utf8')).profiles[0] as { requests: { total: number; failed: number; late: number }; durationMs: number };
  await rm(dir, { recursive: true, force: true });
  return { rate: p.requests.total / (p.durationMs / 1000), requests: p.requests.total, failed: p.requests.failed, late: null, maxRssMiB: 0 };
}
const workersName = 'tailgate run --workers 2, closed, 2 cores';
if (hasWorkers) {
  const w = await rounds({ 'autocannon -w 2': () => child('autocannon', 'closed', [0, 2], undefined), 'tailgate run --workers 2': tailgateWorkers });
  const m = show(`two workers each, closed loop, ${CONNECTIONS} connections, not pinned`, w, 'autocannon -w 2');
  rows.push(row('runner', workersName, 'autocannon -w 2', m.get('tailgate run --workers 2')! / m.get('autocannon -w 2')!, 1));
} else {
  console.log('\ntwo workers each: `tailgate run --help` has no --workers yet; the row is written with ratio null');
  rows.push(row('runner', `${workersName} (no --workers yet)`, 'autocannon -w 2', null, 1));
}

// 4. Memory flat in the request count: fresh processes, pinned as above.
const memory = async (n: number) => {
  const t0 = performance.now();
  const m = await runChild<Measured>('./runner-child.js', ['tailgate', 'memory', server.url, String(CONNECTIONS), String(n)], { cpu: '0' });
  console.log(`  ${String(m.requests).padStart(9)} requests in ${((performance.now() - t0) / 1000).toFixed(1)} s (${m.failed} failed): peak RSS ${m.maxRssMiB.toFixed(0)} MiB`);
  return m.maxRssMiB;
};
console.log('\nmemory: peak RSS of a whole run (one process each)');
const small = await memory(MILLION / 10);
const big = await memory(MILLION);
rows.push(row('runner', `peak RSS, ${MILLION.toLocaleString('en')} requests`, `peak RSS, ${(MILLION / 10).toLocaleString('en')} requests`, big / small, 1.5, '<='));

await writeBenchRows('runner', rows);
await server.stop();
