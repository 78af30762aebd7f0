/**
 * A bench.json (reports/bench.json of a run, or the committed bench/results.json) as Markdown: the table
 * (bench | contender | peer | ratio | IQR | target | met | load), the "N of M targets met" line, and the
 * README's block (npm run bench:publish writes it; test/docs/readme-bench.test.ts holds the README to it).
 * `node dist/bench/table.js [FILE]` prints the table (npm run bench prints it at the end).
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from './harness.js';

/** How a full `npm run bench` ran (all.ts adds it to reports/bench.json). */
export interface BenchRun {
  commit: string | null;
  minutes: number;
  /** Each benchmark's wall time in minutes, in the order they ran. */
  took: Record<string, number>;
  /** BENCH_ONLY's list when the run was partial, else null. */
  only: string[] | null;
  node: string;
  cpus: number;
}

export interface BenchFile {
  at: string;
  run?: BenchRun;
  rows: BenchRow[];
}

/** Text the table did not write: it can neither open HTML nor a new column. */
const cell = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('|', '\\|');
const num = (x: number) => x.toFixed(Math.abs(x) < 0.1 ? 3 : 2);

function target(r: BenchRow): string {
  if (r.target === null) return 'measured';
  if (r.sense === '±') return `1 ± ${r.target}`;
  return `${r.sense ?? ''} ${r.target}`.trim();
}

export function renderTable(rows: BenchRow[]): string {
  const lines = ['| bench | contender | peer | ratio | IQR | target | met | load |', '| --- | --- | --- | ---: | --- | --- | --- | --- |'];
  for (const r of rows) {
    const ratio = r.ratio === null ? '—' : num(r.ratio);
    const iqr = r.iqr ? `${num(r.iqr[0])}–${num(r.iqr[1])}` : '—';
    const met = r.met === null ? '—' : r.met ? 'yes' : '**no**';
    const load = r.load ? `${r.load[0].toFixed(1)}→${r.load[1].toFixed(1)}` : '—';
    lines.push(`| ${cell(r.bench)} | ${cell(r.contender)} | ${cell(r.peer)} | ${ratio} | ${iqr} | ${target(r)} | ${met} | ${load} |`);
  }
  return lines.join('\n');
}

/** The rows with a target, and those that missed it. */
export function targets(rows: BenchRow[]): { met: number; total: number; missed: BenchRow[] } {
  const withTarget = rows.filter((r) => r.met !== null);
  const missed = withTarget.filter((r) => r.met === false);
  return { met: withTarget.length - missed.length, total: withTarget.length, missed };
}

export function targetsLine(rows: BenchRow[]): string {
  const { met, total } = targets(rows);
  return `${met} of ${total} targets met`;
}

/** The README's Benchmarks table with the line saying which run it is. */
export function renderReadmeBlock(file: BenchFile): string {
  const run = file.run;
  const how = run
    ? `${run.only ? `\`BENCH_ONLY=${run.only.join(',')} npm run bench\`` : '`npm run bench`'} at commit ${run.commit ?? 'unknown'} (${run.minutes.toFixed(1)} min, node ${run.node}, ${run.cpus} CPUs)`
    : 'a benchmark run';
  return [
    `From ${how}, finished ${file.at}: ${targetsLine(file.rows)}. IQR: the interquartile range of the rounds' ratios;`,
    "load: the machine's 1-minute load average when the benchmark started → ended.",
    '',
    renderTable(file.rows),
  ].join('\n');
}

/** Where the README holds the block: between these lines. */
const BLOCK_START = '<!-- bench-table: npm run bench:publish writes this from bench/results.json -->';
const BLOCK_END = '<!-- /bench-table -->';

/** The README's block as it stands, or null without its markers. */
export function readmeBlock(readme: string): string | null {
  const start = readme.indexOf(BLOCK_START);
  const end = readme.indexOf(BLOCK_END);
  if (start < 0 || end < start) return null;
  return readme.slice(start + BLOCK_START.length + 1, end - 1);
}

/** The README with its block rendered from `file`. */
export function withReadmeBlock(readme: string, file: BenchFile): string {
  if (readmeBlock(readme) === null) throw new Error(`README.md has no ${BLOCK_START} … ${BLOCK_END} block`);
  const start = readme.indexOf(BLOCK_START) + BLOCK_START.length;
  return `${readme.slice(0, start)}\n${renderReadmeBlock(file)}\n${readme.slice(readme.indexOf(BLOCK_END))}`;
}

export async function readRows(file = 'reports/bench.json'): Promise<BenchFile> {
  return JSON.parse(await readFile(file, 'utf8')) as BenchFile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2] ?? 'reports/bench.json';
  const { at, rows } = await readRows(file);
  console.log(`${file}, ${at}\n\n${renderTable(rows)}\n\n${targetsLine(rows)}`);
}
