/**
 * npm run bench — every benchmark in sequence, each in a process of its own, then the table of
 * reports/bench.json (started afresh, with how the run went added to it) and "N of M targets met". One that
 * fails is reported and the others still run; the exit code is then 1, as it is when a target was missed.
 * BENCH_ONLY=engine,mock runs some of them; each benchmark's own knobs (ROUNDS, SECONDS, ...) pass through
 * the environment to every benchmark, so set them per benchmark, not here. `npm run bench:publish` makes the
 * run the README shows (bench/publish.ts).
 */
import { execFileSync, spawn } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { readRows, renderTable, targets, targetsLine, type BenchRun } from './table.js';

const BENCHES = ['engine', 'mock', 'client', 'hedging', 'runner', 'gate', 'proxy'];
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const FILE = 'reports/bench.json';

function node(script: string): Promise<number | null> {
  const child = spawn(process.execPath, [script], { stdio: 'inherit' });
  return new Promise((resolve) => child.once('exit', resolve));
}

function commit(): string | null {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head}+changes` : head;
  } catch {
    return null;
  }
}

// The commit the benchmarks run from, read before they start (work committed meanwhile is not theirs).
const ranFrom = commit();
await rm(FILE, { force: true });
const failed: string[] = [];
const took: Record<string, number> = {};
const t0 = performance.now();
for (const bench of BENCHES.filter((b) => !only || only.includes(b))) {
  console.log(`\n=== bench:${bench} ===`);
  const t = performance.now();
  if (bench === 'client') await node(here('../../bench/ensure-baseten.mjs'));
  const code = await node(here(`./${bench}.bench.js`));
  if (code !== 0) failed.push(`${bench} (exit ${code})`);
  took[bench] = Math.round((performance.now() - t) / 6_000) / 10;
}
const minutes = Math.round((performance.now() - t0) / 6_000) / 10;
console.log(`\n=== ${minutes} min: ${Object.entries(took).map(([b, m]) => `${b} ${m} min`).join(', ')} ===`);
let summary = '0 of 0 targets met (no rows were written)';
try {
  const file = await readRows(FILE);
  const run: BenchRun = { commit: ranFrom, minutes, took, only: only ?? null, node: process.versions.node, cpus: availableParallelism() };
  await writeFile(FILE, `${JSON.stringify({ ...file, run }, null, 2)}\n`);
  console.log(`\n${FILE}, ${file.at}\n\n${renderTable(file.rows)}`);
  summary = targetsLine(file.rows);
  const { missed } = targets(file.rows);
  // A missed target fails the run, as a failed benchmark does: nobody reads past a green exit.
  if (missed.length) failed.push(`${missed.length} target(s) missed: ${missed.map((r) => `${r.bench} ${r.contender} vs ${r.peer}`).join('; ')}`);
} catch {
  failed.push('no rows were written');
}
if (failed.length) {
  console.log(`\nfailed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
// The last line, whatever happened: what a reader (or CI log) sees first.
console.log(`\n${summary}`);
