/**
 * The fault config's JSON Schema, as shipped in scenarios/faults.schema.json for editors (a faults file
 * that starts with `# yaml-language-server: $schema=…/faults.schema.json`, or a JSON one naming it in
 * `$schema`) and any standard validator. Generated from the one declaration, never written by hand:
 * `npm run schema` (or `npm run schema:faults` alone) rewrites the file, and a test fails when it lags behind.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { jsonSchema } from '../src/util/schema.js';
import { FAULTS_SCHEMA } from './faults-schema.js';

export function faultsJsonSchema(): Record<string, unknown> {
  return jsonSchema(FAULTS_SCHEMA, {
    title: 'tailgate mock faults',
    description: 'What the mock server does wrong, on purpose: a faults file (tailgate mock --faults), a scenario\'s target.mock.faults or phases[].faults, or the body of POST /__tailgate/faults.',
  });
}

/** The file's text, as committed. */
export const faultsJsonSchemaText = (): string => `${JSON.stringify(faultsJsonSchema(), null, 2)}\n`;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = fileURLToPath(new URL('../scenarios/faults.schema.json', import.meta.url));
  writeFileSync(out, faultsJsonSchemaText());
  process.stdout.write(`wrote ${out}\n`);
}
