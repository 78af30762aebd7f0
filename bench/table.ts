/**
 * reports/bench.json as a Markdown table: bench | contender | peer | ratio | target | met.
 * `node dist/bench/table.js` prints it (npm run bench prints it at the end).
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from './harness.js';

const cell = (s: string) => s.replaceAll('|', '\\|');

function target(r: BenchRow): string {
  if (r.target === null) return 'measured';
  if (r.sense === '±') return `1 ± ${r.target}`;
  return `${r.sense ?? ''} ${r.target}`.trim();
}

export function renderTable(rows: BenchRow[]): string {
  const lines = ['| bench | contender | peer | ratio | target | met |', '| --- | --- | --- | ---: | --- | --- |'];
  for (const r of rows) {
    const ratio = r.ratio === null ? '—' : r.ratio.toFixed(r.ratio < 0.1 ? 3 : 2);
    const met = r.met === null ? '—' : r.met ? 'yes' : '**no**';
    lines.push(`| ${cell(r.bench)} | ${cell(r.contender)} | ${cell(r.peer)} | ${ratio} | ${target(r)} | ${met} |`);
  }
  return lines.join('\n');
}

export async function readRows(file = 'reports/bench.json'): Promise<{ at: string; rows: BenchRow[] }> {
  return JSON.parse(await readFile(file, 'utf8')) as { at: string; rows: BenchRow[] };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { at, rows } = await readRows(process.argv[2]);
  console.log(`reports/bench.json, ${at}\n\n${renderTable(rows)}`);
}
