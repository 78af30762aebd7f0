/**
 * npm run fidelity:doc — docs/fidelity.md from the differential harness's results (reports/fidelity.json,
 * written by test/fidelity when the suite runs). Never edited by hand.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { PRESETS, type PresetName } from '../src/index.js';
import type { FidelityRow } from '../test/fidelity/compare.js';
import type { Outcome } from '../test/fidelity/run.js';

const { at, rows } = JSON.parse(await readFile('reports/fidelity.json', 'utf8')) as { at: string; rows: FidelityRow[] };

const show = (o: Outcome) => {
  const failures = Object.entries(o.classes).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`);
  return `${o.succeeded} ok${failures.length ? `, ${failures.join(', ')}` : ''}; server: ${o.serverRequests} req, ${o.connections} conn`;
};
const settings = (s: object) => (Object.keys(s).length ? `\`${JSON.stringify(s).replace(/"/g, '')}\`` : 'defaults');

const versions = new Map<string, string>();
for (const r of rows) if (r.real.version) versions.set(r.client, r.real.version);
const matched = rows.filter((r) => r.match).length;
const RUN: PresetName[] = ['httpx', 'aiohttp', 'undici', 'fetch', 'openai-node'];
const NOT_RUN: Partial<Record<PresetName, string>> = {
  'openai-python': 'not packaged in Debian bookworm (no PyPI here): its httpx transport is the httpx rows; its retry rules are from source (_base_client.py), unit-tested in test/engine-retry-rules.test.ts',
  'baseten-recommended': 'httpx with Baseten’s values: the httpx rows prove the behaviour',
  'baseten-performance-client': 'its npm package cannot be locked here (unpublished platform binaries); rules from source (truss core/src), unit-tested in test/engine-retry-rules.test.ts',
};

const lines = [
  '# Fidelity: each preset against the real library',
  '',
  `Written by \`npm run fidelity:doc\` from the differential harness (\`test/fidelity\`, run by \`npm test\`) on ${at}; do not edit by hand.`,
  'Each case runs the same mock faults and the same client settings through the real library (a driver in',
  'its own process) and through tailgate’s preset of it, and compares the outcomes per class and the',
  'mock’s own counts. Where they differed, the real client was right and the preset was changed.',
  '',
  `Real libraries: ${[...versions].map(([c, v]) => `${c} ${v}`).join(', ')} (Python ones from Debian, run with Debian’s python3).`,
  '',
  `**${matched} of ${rows.length} rows match** (exactly, or within the stated tolerance where a case is not deterministic).`,
  '',
  '| case | client | settings | real library | tailgate preset | match |',
  '| --- | --- | --- | --- | --- | --- |',
  ...rows.map(
    (r) =>
      `| ${r.case} | ${r.client} | ${settings(r.settings)} | ${show(r.real)} | ${show(r.tailgate)} | ${r.match ? (r.tolerance || r.connectionTolerance ? `yes (±${r.tolerance}${r.connectionTolerance ? `, conn ±${r.connectionTolerance}` : ''})` : 'yes') : `**no**: ${r.differences.join('; ')}`} |`,
  ),
  '',
  '## The cases',
  '',
  ...[...new Map(rows.map((r) => [r.case, r.about])).entries()].map(([c, about]) => `- **${c}**: ${about}`),
  '',
  '## How each preset applies its settings',
  '',
  ...RUN.map((p) => `- **${p}** (run above): ${PRESETS[p].behaviour}.`),
  ...Object.entries(NOT_RUN).map(([p, why]) => `- **${p}** (not run: ${why}): ${PRESETS[p as PresetName].behaviour}.`),
  '',
];
await writeFile('docs/fidelity.md', `${lines.join('\n')}\n`);
console.log(`docs/fidelity.md: ${matched}/${rows.length} rows match`);
