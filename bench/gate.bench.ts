/**
 * npm run bench:gate — does the CI gate flake, and does it catch real regressions?
 * 1. False positives: RUNS identical runs of one configuration (a queueing mock: 6 workers, lognormal
 *    service time, 200 req/s open load; a different fault seed each run), a third of them beside a busy
 *    neighbour process, and the gate on every ordered pair (run i against baseline j): for p(50)=10%,
 *    p(99)=10%, avg=5% and max=20%, the share that fail. Target: at most 5% each.
 * 2. Detection: runs against a server 1.25x and 1.5x slower, each against every quiet baseline run: the
 *    share that fail.
 * Every verdict is also computed as older reports are judged (without the per-interval data: independent
 * samples), the "before" of the same runs. Rows go to reports/bench.json; the runs to reports/bench-gate/.
 * JUDGE_ONLY=1 judges the runs saved there again without running anything (after a change to the gate).
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { runGate } from '../src/report/index.js';
import { resolveScenario, runScenario, type Report } from '../src/runner/index.js';
import { row, writeBenchRows, type BenchRow } from './harness.js';

const RUNS = Number(process.env.RUNS ?? 9);
const SLOW_RUNS = Number(process.env.SLOW_RUNS ?? 3);
const SECONDS = Number(process.env.SECONDS ?? 10);
const RATE = Number(process.env.RATE ?? 200);
const OUT = 'reports/bench-gate';

const REGRESSIONS = ['p(50)=10%', 'p(99)=10%', 'avg=5%', 'max=20%'];
const TARGET_FP = 0.05;

function scenario(seed: number, slowdown: number) {
  return resolveScenario({
    name: 'gate-bench',
    target: { mock: { faults: { seed, workers: 6, rules: [{ kind: 'latency', dist: 'lognormal', medianMs: 8 * slowdown, p99Ms: 30 * slowdown }] } } },
    workload: { kind: 'embed', inputsPerRequest: 1 },
    load: { model: 'open', rate: RATE, durationS: SECONDS },
    profiles: [{ name: 'p', preset: 'undici', pool: { connections: 32 } }],
  });
}

/** A process spinning on one core, for the length of a run. */
async function besideBusyNeighbour<T>(fn: () => Promise<T>): Promise<T> {
  const busy = spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' });
  try {
    return await fn();
  } finally {
    busy.kill('SIGKILL');
  }
}

interface Run {
  label: string;
  busy: boolean;
  slowdown: number;
  report: Report;
}

const withoutIntervals = (r: Report): Report => ({ ...r, profiles: r.profiles.map(({ intervals: _dropped, ...p }) => p) });

function verdict(cur: Report, base: Report, regression: string, before: boolean): string {
  const [check] = runGate(before ? withoutIntervals(cur) : cur, { thresholds: [], maxRegression: [regression], baseline: before ? withoutIntervals(base) : base });
  return check!.status;
}

// A fresh run replaces the saved one whole: files of an earlier run with other RUNS would be judged with it.
if (!process.env.JUDGE_ONLY) await rm(OUT, { recursive: true, force: true });
await mkdir(OUT, { recursive: true });
const runs: Run[] = [];
const plan: { busy: boolean; slowdown: number }[] = [
  ...Array.from({ length: RUNS }, (_, i) => ({ busy: i % 3 === 2, slowdown: 1 })),
  ...Array.from({ length: SLOW_RUNS }, () => ({ busy: false, slowdown: 1.25 })),
  ...Array.from({ length: SLOW_RUNS }, () => ({ busy: false, slowdown: 1.5 })),
];
// Interleaved, so drift on the machine meets every kind of run alike.
const order = plan.map((p, i) => ({ ...p, i })).sort((a, b) => ((a.i * 7) % plan.length) - ((b.i * 7) % plan.length));
if (process.env.JUDGE_ONLY) {
  for (const f of (await readdir(OUT)).filter((x) => x.endsWith('.json')).sort()) {
    const label = f.slice(0, -5);
    runs.push({ label, busy: label.includes('-busy'), slowdown: label.startsWith('slower-') ? Number(/slower-([\d.]+)x/.exec(label)![1]) : 1, report: JSON.parse(await readFile(`${OUT}/${f}`, 'utf8')) as Report });
  }
}
for (const [n, p] of (process.env.JUDGE_ONLY ? [] : order).entries()) {
  const run = () => runScenario(scenario(1000 + p.i, p.slowdown));
  const report = p.busy ? await besideBusyNeighbour(run) : await run();
  const label = `${p.slowdown === 1 ? 'same' : `slower-${p.slowdown}x`}${p.busy ? '-busy' : ''}-${p.i}`;
  runs.push({ label, busy: p.busy, slowdown: p.slowdown, report });
  await writeFile(`${OUT}/${label}.json`, JSON.stringify(report));
  const prof = report.profiles[0]!;
  console.log(`run ${n + 1}/${plan.length} ${label}: p50 ${prof.latencyMs?.p50} ms, p99 ${prof.latencyMs?.p99} ms, loop p99 ${prof.eventLoop?.p99Ms} ms, late ${prof.requests.late}`);
}

const same = runs.filter((r) => r.slowdown === 1);
const quiet = same.filter((r) => !r.busy);
const rows: BenchRow[] = [];
console.log(`\nFalse positives: ${same.length} identical runs (${same.filter((r) => r.busy).length} beside a busy neighbour), ${same.length * (same.length - 1)} ordered pairs`);
console.log(`${'regression'.padEnd(12)} ${'after: fail'.padStart(12)} ${'inconcl.'.padStart(9)} ${'before: fail'.padStart(13)}`);
for (const regression of REGRESSIONS) {
  const counts = { after: { fail: 0, inconclusive: 0 }, before: { fail: 0, inconclusive: 0 }, pairs: 0 };
  for (const a of same) {
    for (const b of same) {
      if (a === b) continue;
      counts.pairs++;
      for (const side of ['after', 'before'] as const) {
        const v = verdict(a.report, b.report, regression, side === 'before');
        if (v === 'fail') counts[side].fail++;
        if (v === 'inconclusive') counts[side].inconclusive++;
      }
    }
  }
  const after = counts.after.fail / counts.pairs;
  const before = counts.before.fail / counts.pairs;
  console.log(`${regression.padEnd(12)} ${`${counts.after.fail}/${counts.pairs}`.padStart(12)} ${String(counts.after.inconclusive).padStart(9)} ${`${counts.before.fail}/${counts.pairs}`.padStart(13)}`);
  rows.push(row('gate', `false positives ${regression}`, 'identical runs', after, TARGET_FP, '<='));
  rows.push(row('gate', `false positives ${regression} (independent samples, before)`, 'identical runs', before, TARGET_FP, '<='));
}

console.log(`\nDetection: each slower run against each of the ${quiet.length} quiet baseline runs`);
for (const slowdown of [1.25, 1.5]) {
  const slow = runs.filter((r) => r.slowdown === slowdown);
  for (const regression of REGRESSIONS) {
    let caught = 0;
    let caughtBefore = 0;
    let pairs = 0;
    for (const a of slow) {
      for (const b of quiet) {
        pairs++;
        if (verdict(a.report, b.report, regression, false) === 'fail') caught++;
        if (verdict(a.report, b.report, regression, true) === 'fail') caughtBefore++;
      }
    }
    console.log(`  server ${slowdown}x slower, ${regression.padEnd(10)} caught ${caught}/${pairs} (before ${caughtBefore}/${pairs})`);
    rows.push(row('gate', `caught ${slowdown}x slower ${regression}`, 'quiet baseline runs', caught / pairs));
  }
}
await writeBenchRows('gate', rows);
console.log('\nrows written to reports/bench.json');
