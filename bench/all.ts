/**
 * npm run bench — every benchmark in sequence, each in a process of its own, then the table of
 * reports/bench.json (started afresh) and how many of its targets were met. One that fails is reported
 * and the others still run; the exit code is then 1, as it is when a target was missed. BENCH_ONLY=engine,mock runs some of them; each benchmark's own knobs (ROUNDS, SECONDS,
 * ...) pass through the environment to every benchmark, so set them per benchmark, not here.
 */
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { readRows, renderTable } from './table.js';

const BENCHES = ['engine', 'mock', 'client', 'hedging', 'runner', 'gate', 'proxy'];
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

function node(script: string): Promise<number | null> {
  const child = spawn(process.execPath, [script], { stdio: 'inherit' });
  return new Promise((resolve) => child.once('exit', resolve));
}

await rm('reports/bench.json', { force: true });
const failed: string[] = [];
const took: string[] = [];
const t0 = performance.now();
for (const bench of BENCHES.filter((b) => !only || only.includes(b))) {
  console.log(`\n=== bench:${bench} ===`);
  const t = performance.now();
  if (bench === 'client') await node(here('../../bench/ensure-baseten.mjs'));
  const code = await node(here(`./${bench}.bench.js`));
  if (code !== 0) failed.push(`${bench} (exit ${code})`);
  took.push(`${bench} ${((performance.now() - t) / 60_000).toFixed(1)} min`);
}
console.log(`\n=== ${((performance.now() - t0) / 60_000).toFixed(1)} min: ${took.join(', ')} ===`);
try {
  const { at, rows } = await readRows();
  console.log(`\nreports/bench.json, ${at}\n\n${renderTable(rows)}`);
  const targets = rows.filter((r) => r.met !== null);
  const missed = targets.filter((r) => r.met === false);
  console.log(`\n${targets.length - missed.length} of ${targets.length} targets met`);
  // A missed target fails the run, as a failed benchmark does: nobody reads past a green exit.
  if (missed.length) failed.push(`${missed.length} target(s) missed: ${missed.map((r) => `${r.bench} ${r.contender} vs ${r.peer}`).join('; ')}`);
} catch {
  console.log('\nno rows were written');
}
if (failed.length) {
  console.log(`\nfailed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
