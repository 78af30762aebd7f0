/**
 * npm run fidelity:doc — docs/fidelity.md from the behaviour catalogue (test/fidelity/catalogue*.ts) and
 * the differential harness's results (reports/fidelity.json, written by test/fidelity when the suite
 * runs). Never edited by hand.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { PRESETS, type PresetName } from '../src/index.js';
import { CASES, CLIENTS } from '../test/fidelity/cases.js';
import { CATALOGUE, type CatalogueClient, type CatalogueRow } from '../test/fidelity/catalogue.js';
import type { FidelityRow } from '../test/fidelity/compare.js';
import type { Outcome } from '../test/fidelity/run.js';

const report = JSON.parse(await readFile('reports/fidelity.json', 'utf8')) as { at: string; rows: FidelityRow[] };
const { at } = report;
// In the cases' order, then the clients' (the harness writes them as they finish).
const order = (r: FidelityRow) => CASES.findIndex((c) => c.name === r.case) * 10 + CLIENTS.indexOf(r.client);
const rows = report.rows.sort((a, b) => order(a) - order(b));

/** Markdown table cells: pipes escaped, nothing else of ours to escape (the text is the catalogue's). */
const cell = (s: string) => s.replace(/\|/g, '\\|');
const show = (o: Outcome) => {
  const failures = Object.entries(o.classes).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`);
  return `${o.succeeded} ok${failures.length ? `, ${failures.join(', ')}` : ''}; server: ${o.serverRequests} req, ${o.connections} conn`;
};
const settings = (s: object) => (Object.keys(s).length ? `\`${JSON.stringify(s).replace(/"/g, '')}\`` : 'defaults');
const tolerant = (r: FidelityRow) => r.tolerance + r.connectionTolerance + r.requestTolerance > 0;
const within = (r: FidelityRow) =>
  [r.tolerance ? `±${r.tolerance}` : '', r.requestTolerance !== r.tolerance ? `req ±${r.requestTolerance}` : '', r.connectionTolerance ? `conn ±${r.connectionTolerance}` : '']
    .filter(Boolean)
    .join(', ');
const verdict = (r: FidelityRow) => (!r.match ? `**no**: ${r.differences.join('; ')}` : tolerant(r) ? `yes (${within(r)})` : 'yes');

const result = new Map(rows.map((r) => [`${r.case}/${r.client}`, r]));

type Status = 'exact' | 'within tolerance' | 'from source' | 'not reproduced' | 'differs' | 'not run';
function statusOf(row: CatalogueRow): { status: Status; proven: string } {
  if (row.notReproduced) return { status: 'not reproduced', proven: row.notReproduced };
  const harness = row.harness ?? row.client;
  const runs = row.cases.map((name) => ({ name, r: result.get(`${name}/${harness}`) }));
  const list = runs.map(({ name, r }) => (r === undefined ? `${name} (not run)` : !r.match ? `**${name} differs**` : tolerant(r) ? `${name} (${within(r)})` : name)).join(', ');
  const on = row.harness && row.harness !== row.client ? ` (run with ${row.harness})` : '';
  const proven = [list ? `${list}${on}` : '', row.proof ?? ''].filter(Boolean).join('; ');
  if (runs.some(({ r }) => r === undefined)) return { status: 'not run', proven };
  if (runs.some(({ r }) => !r!.match)) return { status: 'differs', proven };
  if (row.proof && (runs.length === 0 || row.harness)) return { status: 'from source', proven };
  return { status: runs.some(({ r }) => tolerant(r!)) ? 'within tolerance' : 'exact', proven };
}

const CLIENT_ORDER: CatalogueClient[] = ['httpx', 'aiohttp', 'undici', 'fetch', 'openai-node', 'openai-python', 'baseten-recommended', 'baseten-performance-client'];
const statuses = CATALOGUE.map((row) => ({ row, ...statusOf(row) }));
const count = (s: Status) => statuses.filter((x) => x.status === s).length;
const exactRows = rows.filter((r) => r.match && !tolerant(r)).length;
const tolerantRows = rows.filter((r) => r.match && tolerant(r)).length;

const versions = new Map<string, string>();
for (const r of rows) if (r.real.version) versions.set(r.client, r.real.version);

const PRESET_OF_CLIENT: Record<CatalogueClient, PresetName> = {
  httpx: 'httpx',
  aiohttp: 'aiohttp',
  undici: 'undici',
  fetch: 'fetch',
  'openai-node': 'openai-node',
  'openai-python': 'openai-python',
  'baseten-recommended': 'baseten-recommended',
  'baseten-performance-client': 'baseten-performance-client',
};

const lines = [
  '# Fidelity: each preset against the real client, behaviour by behaviour',
  '',
  `Written by \`npm run fidelity:doc\` from the behaviour catalogue (\`test/fidelity/catalogue*.ts\`) and the differential harness (\`test/fidelity\`, run by \`npm test\`) on ${at}; do not edit by hand.`,
  'Each behaviour below names the real client’s source and the differential cases that prove tailgate’s',
  'preset does the same: a case runs the same server and faults and the same client settings through the',
  'real library (a driver in its own process, its settings written as that library’s users write them) and',
  'through tailgate’s preset, and compares the outcomes per class and the server’s own counts (requests it',
  'saw, connections it accepted). Where they differed, the real client was right and the preset was changed.',
  '',
  `Real libraries: ${[...versions].map(([c, v]) => `${c} ${v}`).join(', ')} (Python ones from Debian, run with Debian’s python3; httpx's HTTP/2 with Debian's python3-h2).`,
  '',
  '## Summary',
  '',
  `- **Catalogue**: ${CATALOGUE.length} behaviours: ${count('exact')} proven exactly, ${count('within tolerance')} proven within a stated tolerance, ${count('from source')} from source (the library cannot run here, or has nothing to run), ${count('not reproduced')} not reproduced${count('differs') ? `, **${count('differs')} that differ**` : ''}${count('not run') ? `, ${count('not run')} whose cases did not run` : ''}.`,
  `- **Differential harness**: ${rows.length} rows (case × client): ${exactRows} exact, ${tolerantRows} within a stated tolerance${rows.length - exactRows - tolerantRows ? `, **${rows.length - exactRows - tolerantRows} that differ**` : ''}.`,
  '',
];

for (const client of CLIENT_ORDER) {
  const mine = statuses.filter((s) => s.row.client === client);
  if (!mine.length) continue;
  lines.push(`## ${client}`, '', `Preset \`${PRESET_OF_CLIENT[client]}\`: ${PRESETS[PRESET_OF_CLIENT[client]].behaviour}.`, '');
  lines.push('| topic | what the real client does | source | status | proven by |', '| --- | --- | --- | --- | --- |');
  for (const { row, status, proven } of mine) {
    lines.push(`| ${row.topic} | ${cell(row.behaviour)} | ${cell(row.source)} | ${status === 'differs' ? '**differs**' : status} | ${cell(proven)} |`);
  }
  lines.push('');
}

lines.push(
  '## The differential rows',
  '',
  '| case | client | settings | real library | tailgate preset | match |',
  '| --- | --- | --- | --- | --- | --- |',
  ...rows.map((r) => `| ${r.case} | ${r.client} | ${settings(r.settings)} | ${show(r.real)} | ${show(r.tailgate)} | ${cell(verdict(r))} |`),
  '',
  '## The cases',
  '',
  ...CASES.map((c) => `- **${c.name}**: ${c.about}${c.toleranceWhy ? `. *Tolerance*: ${c.toleranceWhy}` : ''}`),
  '',
);
await writeFile('docs/fidelity.md', `${lines.join('\n')}\n`);
console.log(`docs/fidelity.md: ${CATALOGUE.length} behaviours (${count('exact')} exact, ${count('within tolerance')} within tolerance, ${count('from source')} from source, ${count('not reproduced')} not reproduced); ${rows.length} rows, ${exactRows} exact, ${tolerantRows} within tolerance`);
