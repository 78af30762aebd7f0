/**
 * npm run bench:runner — the runner against its own transport (bare undici Pool.dispatch in the same loop)
 * and against autocannon, per core: each contender runs in a process of its own pinned to CPU 0 (taskset),
 * the minimal server in another pinned to CPU 1. Rounds are interleaved (the order reversed every other
 * round); each ratio is the median of the rounds' own ratios, with their interquartile range in the row.
 * 1. Closed loop, CONNECTIONS connections: completed requests/s. Target: tailgate >= 0.95x undici (its own
 *    work at most 5% over its transport's); autocannon's ratio reported beside it; and requests per
 *    CPU-second (the process's own CPU, steadier than the rate on a shared machine) against undici's.
 * 2. Open loop at OPEN_PCT of autocannon's closed rate: the rate achieved. Target >= 0.95x undici's open
 *    loop at the same rate; autocannon -R beside it.
 * 3. The generator's self-delay: tailgate's open loop at half its own closed rate; the p99 of how late it
 *    sent each request (startLag) and of its event loop's delay (loopDelay), as its report records them at
 *    1 ms resolution. Target <= 1 ms each.
 * 4. Two workers each (not pinned: one per core, beside the server): `tailgate run --workers 2` against
 *    `autocannon -w 2`, closed loop. Reported, not targeted (2 cores: the server shares them).
 * 5. Memory: peak RSS of a run of 1,000,000 requests against one of 100,000 (fresh processes). Target
 *    <= 1.5x: what the runner keeps (HDR histograms, counters, one timeline row per second) must not grow
 *    with the request count; a per-request leak of even 50 bytes would show as +45 MB.
 * The machine's load average is printed beside each part: other work on it moves every figure.
 * BEFORE_DIST=DIR (another build's dist/, e.g. main's): its runner joins parts 1-3 as "tailgate before", in the
 * same interleaved rounds, for a before/after on a shared machine (rows "... / tailgate before").
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { median, quartiles, row, runChild, startChildServer, writeBenchRows, type BenchRow } from './harness.js';
import type { Measured } from './runner-child.js';

const CONNECTIONS = Number(process.env.CONNECTIONS ?? 50);
const SECONDS = Number(process.env.SECONDS ?? 4);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const OPEN_PCT = Number(process.env.OPEN_PCT ?? 0.8);
const MILLION = Number(process.env.REQUESTS ?? 1_000_000);
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

const server = await startChildServer('./minimal-server.js', [], {}, '1');
/** A row with the interquartile range of the rounds' ratios beside its median. */
type Row = BenchRow & { iqr?: [number, number] };
const rows: Row[] = [];
const BEFORE = process.env.BEFORE_DIST ? pathToFileURL(join(process.env.BEFORE_DIST, 'bench', 'runner-child.js')).href : null;
const child = (kind: string, mode: string, extra: (string | number)[] = [], cpu: string | undefined = '0', script = './runner-child.js') =>
  runChild<Measured>(script, [kind, mode, server.url, CONNECTIONS, SECONDS, ...extra].map(String), cpu === undefined ? {} : { cpu });
/** The before build's tailgate beside this one's, when BEFORE_DIST is given. */
const before = (mode: string, extra: (string | number)[] = []): Record<string, () => Promise<Measured>> => (BEFORE ? { 'tailgate before': () => child('tailgate', mode, extra, '0', BEFORE) } : {});
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');

/** Rounds of every contender in turn (reversed every other round); each contender's results, round by round. */
async function rounds(contenders: Record<string, () => Promise<Measured>>): Promise<Record<string, Measured[]>> {
  const out: Record<string, Measured[]> = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
  for (let i = 0; i < ROUNDS; i++) {
    const names = Object.keys(contenders);
    for (const name of i % 2 ? names.reverse() : names) out[name]!.push(await contenders[name]!());
  }
  return out;
}

/** Each round's a/b of `of`, and their quartiles. */
function paired(a: Measured[], b: Measured[], of: (m: Measured) => number): { q: [number, number, number]; ratios: number[] } {
  const ratios = a.map((m, i) => of(m) / of(b[i]!));
  return { q: quartiles(ratios), ratios };
}

const fmt = (q: [number, number, number]) => `${q[1].toFixed(3)} (IQR ${q[0].toFixed(3)}..${q[2].toFixed(3)})`;
const perCpuSecond = (m: Measured) => 1 / m.cpuUsPerRequest;

/** Print each contender's rounds, then each ratio; push its row. */
function show(title: string, results: Record<string, Measured[]>): void {
  console.log(`\n${title} (${ROUNDS} rounds x ${SECONDS} s; load average ${load()})`);
  for (const [name, xs] of Object.entries(results)) {
    const failed = xs.some((x) => x.failed > 0) ? `  failed ${xs.map((x) => x.failed).join(' ')}` : '';
    console.log(`  ${name.padEnd(28)} median ${median(xs.map((x) => x.rate)).toFixed(0).padStart(7)} req/s [${xs.map((x) => x.rate.toFixed(0)).join(' ')}]  CPU/request ${median(xs.map((x) => x.cpuUsPerRequest)).toFixed(1)} µs${failed}`);
  }
}

function ratioRow(contender: string, peer: string, a: Measured[], b: Measured[], of: (m: Measured) => number, target: number | null = null): void {
  const { q, ratios } = paired(a, b, of);
  console.log(`  ${contender} / ${peer}: ${fmt(q)}  [${ratios.map((r) => r.toFixed(3)).join(' ')}]`);
  rows.push({ ...row('runner', contender, peer, q[1], target), iqr: [round3(q[0]), round3(q[2])] });
}
const round3 = (x: number) => Math.round(x * 1000) / 1000;

// 1. Closed loop.
const closed = await rounds({
  autocannon: () => child('autocannon', 'closed'),
  tailgate: () => child('tailgate', 'closed'),
  undici: () => child('undici', 'closed'),
  ...before('closed'),
});
show(`closed loop, ${CONNECTIONS} connections, one core each, GET of a tiny body`, closed);
const C = `closed ${CONNECTIONS} conns, 1 core`;
ratioRow(`tailgate run, ${C}`, 'undici Pool.dispatch loop, 1 core', closed.tailgate!, closed.undici!, (m) => m.rate, 0.95);
ratioRow(`tailgate run, ${C}, requests per CPU-second`, 'undici Pool.dispatch loop', closed.tailgate!, closed.undici!, perCpuSecond);
ratioRow(`tailgate run, ${C}`, 'autocannon, 1 core', closed.tailgate!, closed.autocannon!, (m) => m.rate);
ratioRow(`undici Pool.dispatch loop, ${C}`, 'autocannon, 1 core', closed.undici!, closed.autocannon!, (m) => m.rate);
if (BEFORE) {
  ratioRow(`tailgate run, ${C}`, 'tailgate before', closed.tailgate!, closed['tailgate before']!, (m) => m.rate);
  ratioRow(`tailgate run, ${C}, requests per CPU-second`, 'tailgate before', closed.tailgate!, closed['tailgate before']!, perCpuSecond);
  ratioRow(`tailgate before, ${C}`, 'undici Pool.dispatch loop, 1 core', closed['tailgate before']!, closed.undici!, (m) => m.rate);
}

// 2. Open loop at a fixed high rate.
const rate = Math.round(OPEN_PCT * median(closed.autocannon!.map((m) => m.rate)));
const open = await rounds({
  autocannon: () => child('autocannon', 'open', [rate]),
  tailgate: () => child('tailgate', 'open', [rate]),
  undici: () => child('undici', 'open', [rate]),
  ...before('open', [rate]),
});
show(`open loop at ${rate} req/s (${OPEN_PCT * 100}% of autocannon's closed rate), one core each`, open);
const lateRounds = open.tailgate!.filter((m) => (m.late ?? 0) > 0).length;
console.log(`  tailgate fell behind (a request > 10 ms late) in ${lateRounds} of ${ROUNDS} rounds`);
const O = `open ${rate}/s, 1 core`;
ratioRow(`tailgate run, ${O}`, 'undici Pool.dispatch open loop, 1 core', open.tailgate!, open.undici!, (m) => m.rate, 0.95);
ratioRow(`tailgate run, ${O}, requests per CPU-second`, 'undici Pool.dispatch open loop', open.tailgate!, open.undici!, perCpuSecond);
ratioRow(`tailgate run, ${O}`, 'autocannon -R, 1 core', open.tailgate!, open.autocannon!, (m) => m.rate);
if (BEFORE) {
  ratioRow(`tailgate run, ${O}, requests per CPU-second`, 'tailgate before', open.tailgate!, open['tailgate before']!, perCpuSecond);
  ratioRow(`tailgate before, ${O}`, 'undici Pool.dispatch open loop, 1 core', open['tailgate before']!, open.undici!, (m) => m.rate);
}

// 3. The generator's own delay at half its maximum rate.
const half = Math.round(median(closed.tailgate!.map((m) => m.rate)) / 2);
const quiet = await rounds({ tailgate: () => child('tailgate', 'open', [half]), ...before('open', [half]) });
console.log(`\nself-delay at half the closed rate, open loop at ${half} req/s (${ROUNDS} rounds x ${SECONDS} s; load average ${load()})`);
for (const [name, runs] of Object.entries(quiet)) {
  for (const [what, of] of [
    ['start lag p99', (m: Measured) => m.startLagP99Ms ?? Number.NaN],
    ['event-loop delay p99', (m: Measured) => m.loopDelayP99Ms ?? Number.NaN],
  ] as const) {
    const values = runs.map(of);
    const q = quartiles(values);
    console.log(`  ${name} ${what}: ${fmt(q)} ms  [${values.map((v) => v.toFixed(3)).join(' ')}]`);
    const who = name === 'tailgate' ? 'tailgate run' : name;
    rows.push({ ...row('runner', `${who} self-delay, ${what} (ms), open ${half}/s = half its closed rate`, '1 ms', q[1], name === 'tailgate' ? 1 : null, '<='), iqr: [round3(q[0]), round3(q[2])] });
  }
}

// 4. Two workers each.
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
  return { rate: p.requests.total / (p.durationMs / 1000), requests: p.requests.total, failed: p.requests.failed, late: null, cpuUsPerRequest: Number.NaN, startLagP99Ms: null, loopDelayP99Ms: null, maxRssMiB: 0 };
}
const w = await rounds({ 'autocannon -w 2': () => child('autocannon', 'closed', [0, 2], undefined), 'tailgate run --workers 2': tailgateWorkers });
show(`two workers each, closed loop, ${CONNECTIONS} connections, not pinned`, w);
ratioRow('tailgate run --workers 2, closed, 2 cores (reported, not targeted)', 'autocannon -w 2', w['tailgate run --workers 2']!, w['autocannon -w 2']!, (m) => m.rate);

// 5. Memory flat in the request count: fresh processes, pinned as above.
const memory = async (n: number) => {
  const t0 = performance.now();
  const m = await runChild<Measured>('./runner-child.js', ['tailgate', 'memory', server.url, String(CONNECTIONS), String(n)], { cpu: '0' });
  console.log(`  ${String(m.requests).padStart(9)} requests in ${((performance.now() - t0) / 1000).toFixed(1)} s (${m.failed} failed): peak RSS ${m.maxRssMiB.toFixed(0)} MiB`);
  return m.maxRssMiB;
};
console.log(`\nmemory: peak RSS of a whole run (one process each; load average ${load()})`);
const small = await memory(MILLION / 10);
const big = await memory(MILLION);
rows.push(row('runner', `peak RSS, ${MILLION.toLocaleString('en')} requests`, `peak RSS, ${(MILLION / 10).toLocaleString('en')} requests`, big / small, 1.5, '<='));

await writeBenchRows('runner', rows);
await server.stop();
