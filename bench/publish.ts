/**
 * npm run bench:publish [FILE] — make a run the one the README shows: copy its bench.json (default
 * reports/bench.json, written by `npm run bench`) to bench/results.json, which is committed, and rewrite the
 * README's Benchmarks table from it (test/docs/readme-bench.test.ts holds the two together).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { readRows, targetsLine, withReadmeBlock } from './table.js';

const RESULTS = 'bench/results.json';
const README = 'README.md';

const source = process.argv[2] ?? 'reports/bench.json';
const file = await readRows(source);
if (!Array.isArray(file.rows) || file.rows.length === 0) throw new Error(`${source} has no rows: run npm run bench first`);
if (!file.run) throw new Error(`${source} does not say how it was run (commit, minutes): it must come from npm run bench (bench/all.ts)`);
await writeFile(RESULTS, `${JSON.stringify(file, null, 2)}\n`);
await writeFile(README, withReadmeBlock(await readFile(README, 'utf8'), file));
console.log(`${RESULTS} and the README's table now show ${source} (${file.at}, commit ${file.run.commit ?? 'unknown'}): ${targetsLine(file.rows)}`);
