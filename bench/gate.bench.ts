/**
 * npm run bench:gate — does the CI gate flake, and does it catch real regressions, on a quiet machine and
 * on a busy one? The mock (a queueing server: 16 workers, lognormal service time of median 20 ms) runs pinned to CPU 1; each
 * run's load generator is a process pinned to CPU 0, "busy" runs with a neighbour spinning on CPU 0 too,
 * so busy means the generator's machine, not the server's. Runs are interleaved (drift meets every kind).
 *   identical   same server, every ordered pair of runs (quiet/quiet, busy/busy, busy against quiet
 *               baselines, quiet against busy baselines): the share that FAIL. Target: at most 5% each.
 *   detection   servers 1.25x and 1.5x slower, quiet or busy, against quiet and against busy baselines: the
 *               share caught (fail). Target: a 1.5x slower server caught in 90% of pairs for p(50), avg and
 *               p(99) on a quiet machine; beside a busy neighbour, 90% of the pairs in which the slowdown
 *               exceeds the generator's own measured delay (the rest may honestly be inconclusive).
 * Every row gives the failed, passed and inconclusive shares, and the run length. Rows go to
 * reports/bench.json; the runs to reports/bench-gate/. JUDGE_ONLY=1 judges the saved runs again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { metricOf } from '../src/metrics/index.js';
import { runGate, type Check } from '../src/report/index.js';
import type { Report } from '../src/runner/index.js';
import { median, row, runChild, startChildServer, writeBenchRows, type BenchRow } from './harness.js';

const SAME = Number(process.env.RUNS ?? 6);
const SLOW_RUNS = Number(process.env.SLOW_RUNS ?? 3);
const SECONDS = Number(process.env.SECONDS ?? 10);
const RATE = Number(process.env.RATE ?? 200);
const OUT = 'reports/bench-gate';
const REGRESSIONS = ['p(50)=10%', 'p(99)=10%', 'avg=5%', 'max=20%'];
const TARGETED = new Set(['p(50)=10%', 'p(99)=10%', 'avg=5%']);
const TARGET_FP = 0.05;
const TARGET_CAUGHT = 0.9;

interface Run {
  label: string;
  busy: boolean;
  slowdown: number;
  report: Report;
}

const faults = (seed: number, slowdown: number) => ({ seed, workers: 16, rules: [{ kind: 'latency', dist: 'lognormal', medianMs: 20 * slowdown, p99Ms: 75 * slowdown }] });

/** A process spinning on CPU 0 (the generator's core) for the length of a run. */
async function besideBusyNeighbour<T>(fn: () => Promise<T>): Promise<T> {
  const busy: ChildProcess = spawn('taskset', ['-c', '0', process.execPath, '-e', 'for(;;){}'], { stdio: 'ignore' });
  try {
    return await fn();
  } finally {
    busy.kill('SIGKILL');
  }
}

async function collect(): Promise<Run[]> {
  const runs: Run[] = [];
  if (process.env.JUDGE_ONLY) {
    for (const f of (await readdir(OUT)).filter((x) => x.endsWith('.json')).sort()) {
      const label = f.slice(0, -5);
      const slowdown = label.startsWith('slower-') ? Number(/slower-([\d.]+)x/.exec(label)![1]) : 1;
      runs.push({ label, busy: label.includes('-busy'), slowdown, report: JSON.parse(await readFile(`${OUT}/${f}`, 'utf8')) as Report });
    }
    return runs;
  }
  // A fresh run replaces the saved one whole: files of an earlier run with other RUNS would be judged with it.
  await rm(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });
  const plan = [false, true].flatMap((busy) => [
    ...Array.from({ length: SAME }, () => ({ busy, slowdown: 1 })),
    ...[1.25, 1.5].flatMap((slowdown) => Array.from({ length: SLOW_RUNS }, () => ({ busy, slowdown }))),
  ]);
  const order = plan.map((p, i) => ({ ...p, i })).sort((a, b) => ((a.i * 7) % plan.length) - ((b.i * 7) % plan.length));
  const mock = await startChildServer('./mock-server-child.js', [JSON.stringify(faults(1, 1))], {}, '1');
  const child = fileURLToPath(new URL('./gate-run-child.js', import.meta.url));
  try {
    for (const [n, p] of order.entries()) {
      await fetch(`${mock.url}/__tailgate/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults(1000 + p.i, p.slowdown)) });
      const label = `${p.slowdown === 1 ? 'same' : `slower-${p.slowdown}x`}${p.busy ? '-busy' : ''}-${p.i}`;
      const file = `${OUT}/${label}.json`;
      const run = () => runChild<unknown>('taskset', ['-c', '0', process.execPath, child, mock.url, String(SECONDS), String(RATE), file], { raw: true, noJson: true });
      await (p.busy ? besideBusyNeighbour(run) : run());
      const report = JSON.parse(await readFile(file, 'utf8')) as Report;
      runs.push({ label, busy: p.busy, slowdown: p.slowdown, report });
      const prof = report.profiles[0]!;
      console.log(`run ${n + 1}/${plan.length} ${label}: p50 ${prof.latencyMs?.p50} ms, p99 ${prof.latencyMs?.p99} ms, start lag p99 ${prof.generator?.startLagMs?.p99} ms, loop delay p99 ${prof.eventLoop?.p99Ms} ms, late ${prof.requests.late}`);
    }
  } finally {
    await mock.stop();
  }
  return runs;
}

const runs = await collect();
const judge = (cur: Run, base: Run, regression: string): Check => runGate(cur.report, { thresholds: [], maxRegression: [regression], baseline: base.report })[0]!;
const shares = (checks: Check[]) => {
  const n = checks.length || 1;
  const count = (s: Check['status']) => checks.filter((c) => c.status === s).length / n;
  return { fail: count('fail'), pass: count('pass'), inconclusive: count('inconclusive'), n: checks.length };
};
const fmtShares = (s: ReturnType<typeof shares>) => `passed ${s.pass.toFixed(2)}, inconclusive ${s.inconclusive.toFixed(2)}; ${s.n} pairs of ${SECONDS} s runs`;
const pick = (busy: boolean, slowdown: number) => runs.filter((r) => r.busy === busy && r.slowdown === slowdown);
const rows: BenchRow[] = [];

console.log(`\nIdentical runs (${SECONDS} s, ${RATE} req/s): share of ordered pairs that fail / pass / are inconclusive`);
for (const [name, cur, base] of [
  ['quiet vs quiet', pick(false, 1), pick(false, 1)],
  ['busy vs busy', pick(true, 1), pick(true, 1)],
  ['busy vs quiet baseline', pick(true, 1), pick(false, 1)],
  ['quiet vs busy baseline', pick(false, 1), pick(true, 1)],
] as const) {
  for (const regression of REGRESSIONS) {
    const checks = cur.flatMap((a) => base.filter((b) => b !== a).map((b) => judge(a, b, regression)));
    const s = shares(checks);
    console.log(`  ${name.padEnd(24)} ${regression.padEnd(10)} fail ${s.fail.toFixed(3)}  pass ${s.pass.toFixed(2)}  inconclusive ${s.inconclusive.toFixed(2)}  (${s.n} pairs)`);
    rows.push(row('gate', `identical, ${name}, ${regression} fails (${fmtShares(s)})`, 'ordered pairs', s.fail, TARGET_FP, '<='));
  }
}

// The slowdown each statistic shows on quiet runs: what the busy generator's own delay is compared with.
const quietSame = pick(false, 1);
console.log(`\nDetection: each slower run against each baseline run`);
for (const slowdown of [1.25, 1.5]) {
  for (const [name, cur, base] of [
    ['quiet vs quiet baselines', pick(false, slowdown), quietSame],
    ['busy vs quiet baselines', pick(true, slowdown), quietSame],
    ['busy vs busy baselines', pick(true, slowdown), pick(true, 1)],
    ['quiet vs busy baselines', pick(false, slowdown), pick(true, 1)],
  ] as const) {
    for (const regression of REGRESSIONS) {
      const checks = cur.flatMap((a) => base.map((b) => judge(a, b, regression)));
      const s = shares(checks);
      const busyRun = name.startsWith('busy');
      // Beside a busy neighbour the target holds where the slowdown exceeds the generator's own delay.
      const metric = regression.slice(0, regression.indexOf('='));
      const expected = median(quietSame.map((r) => metricOf(r.report.profiles[0]!, metric).value ?? 0)) * (slowdown - 1);
      const eligible = busyRun ? checks.filter((c) => (c.generatorMs ?? 0) < expected) : checks;
      const caught = eligible.length ? eligible.filter((c) => c.status === 'fail').length / eligible.length : null;
      const targeted = slowdown === 1.5 && TARGETED.has(regression) && (name === 'quiet vs quiet baselines' || busyRun);
      const scope = busyRun ? `; ${eligible.length} of ${checks.length} pairs with the slowdown (${expected.toFixed(1)} ms) above the generator's delay` : '';
      console.log(`  ${slowdown}x ${name.padEnd(26)} ${regression.padEnd(10)} caught ${s.fail.toFixed(2)}  pass ${s.pass.toFixed(2)}  inconclusive ${s.inconclusive.toFixed(2)}${busyRun ? `  caught where the slowdown exceeds the generator's delay: ${caught === null ? '—' : caught.toFixed(2)} (${eligible.length} pairs)` : ''}`);
      rows.push(row('gate', `caught ${slowdown}x slower, ${name}, ${regression} (${fmtShares(s)}${scope})`, 'pairs', busyRun ? caught : s.fail, targeted ? TARGET_CAUGHT : null, '>='));
    }
  }
}
await writeBenchRows('gate', rows);
console.log('\nrows written to reports/bench.json');
