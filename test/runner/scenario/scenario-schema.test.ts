/**
 * The shipped scenario schema (scenarios/scenario.schema.json), read by tools tailgate did not write: a
 * standard validator (ajv, draft 2020-12) and an editor's YAML language server. Both must accept every
 * bundled scenario, and catch a misspelt key deep inside a profile's client options, as tailgate does.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/index.js';
import { resolveScenario } from '../../../src/runner/index.js';
import { YamlLanguageServer } from '../../helpers/yaml-language-server.js';

const SCENARIOS = resolve('scenarios');
type Scenario = { profiles: { pool?: Record<string, unknown> }[]; [k: string]: unknown };

let schema: object;
let bundled: { file: string; text: string; data: Scenario }[];
beforeAll(async () => {
  schema = JSON.parse(await readFile(join(SCENARIOS, 'scenario.schema.json'), 'utf8')) as object;
  const files = (await readdir(SCENARIOS)).filter((f) => f.endsWith('.yaml')).sort();
  bundled = await Promise.all(files.map(async (file) => ({ file, text: await readFile(join(SCENARIOS, file), 'utf8'), data: parseYaml(await readFile(join(SCENARIOS, file), 'utf8')) as Scenario })));
});

/** tailgate's own verdict on the same document: its problems, or none. */
function tailgateProblems(data: unknown): readonly string[] {
  try {
    resolveScenario(data, 'x.yaml');
    return [];
  } catch (err) {
    if (!(err instanceof InvalidInputError)) throw err;
    return err.problems;
  }
}

/** A copy of a scenario with its first profile's pool misspelt: `conections` for `connections`. */
function misspelt(data: Scenario): Scenario {
  const copy = structuredClone(data);
  const first = copy.profiles[0]!;
  first.pool = { ...first.pool, conections: 8 };
  return copy;
}

describe('the scenario JSON Schema, read by ajv (draft 2020-12, strict)', () => {
  it('accepts every bundled scenario, and rejects what tailgate rejects, at the same path', () => {
    const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);
    expect(bundled.length).toBeGreaterThanOrEqual(11);
    for (const { file, data, text } of bundled) {
      expect(validate(data) ? [] : validate.errors, file).toEqual([]);
      // Each names the schema for the language server on its first line, so a copy an editor opens is checked.
      expect(text.split('\n')[0], file).toBe('# yaml-language-server: $schema=./scenario.schema.json');
    }

    const quickstart = bundled.find((b) => b.file === 'quickstart.yaml')!.data;
    expect(validate(misspelt(quickstart))).toBe(false);
    expect(validate.errors).toContainEqual(expect.objectContaining({ instancePath: '/profiles/0/pool', keyword: 'additionalProperties', params: { additionalProperty: 'conections' } }));
    expect(tailgateProblems(misspelt(quickstart))).toEqual(['profiles[0].pool.conections is not a known field (did you mean connections?)']);

    // Deeper still, and in each group a profile takes from the engine: both say no.
    const profile = (p: object) => ({ ...quickstart, profiles: [{ name: 'p', ...p }] });
    for (const bad of [profile({ timeouts: { read: 'fast' } }), profile({ behavior: { poolTimeout: 'sometimes' } }), profile({ retry: { style: 'requests' } }), profile({ headers: { 'bad name': 'x' } })]) {
      expect(validate(bad), JSON.stringify(bad.profiles)).toBe(false);
      expect(tailgateProblems(bad), JSON.stringify(bad.profiles)).toHaveLength(1);
    }
    // A load model's own fields: a closed load has no rate.
    const closedWithRate = { ...quickstart, load: { model: 'closed', users: 2, durationS: 1, rate: 5 } };
    expect(validate(closedWithRate)).toBe(false);
    expect(tailgateProblems(closedWithRate)).toEqual(['load.rate applies to model open, not closed']);
  });
});

describe('the scenario JSON Schema, read by an editor (yaml-language-server over LSP)', () => {
  let server: YamlLanguageServer;
  beforeAll(async () => {
    server = await YamlLanguageServer.start();
  });
  afterAll(() => server.close());

  it('flags a misspelt key inside profiles[].pool where it stands, and nothing in a bundled scenario', async () => {
    // Documents as an editor holds them, beside the schema (their modeline names it): nothing is written.
    const source = bundled.find((b) => b.file === 'pool-exhaustion.yaml')!.text;
    expect(source.split('\n')[0]).toBe('# yaml-language-server: $schema=./scenario.schema.json');
    expect(await server.open(join(SCENARIOS, 'editor-check-clean.yaml'), source)).toEqual([]);

    const lines = source.split('\n');
    const at = lines.findIndex((l) => /^\s+pool: \{/.test(l));
    expect(at, 'the scenario has a profile with pool: { … }').toBeGreaterThan(0);
    lines[at] = (lines[at] as string).replace('pool: {', 'pool: { conections: 8,');
    const diagnostics = await server.open(join(SCENARIOS, 'editor-check-typo.yaml'), lines.join('\n'));
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ message: 'Property conections is not allowed.', range: { start: { line: at } } });
    expect(lines[at]!.slice(diagnostics[0]!.range.start.character, diagnostics[0]!.range.end.character)).toBe('conections');

    // Inside the mock's faults, which the schema defines once ($defs) and refers to: a field of another distribution.
    const faulty = source.split('\n');
    const rule = faulty.findIndex((l) => l.includes('{ kind: latency, dist: normal,'));
    faulty[rule] = faulty[rule]!.replace('stddevMs: 100', 'stddevMs: 100, ms: 5');
    const inFaults = await server.open(join(SCENARIOS, 'editor-check-faults.yaml'), faulty.join('\n'));
    expect(inFaults.map((d) => d.range.start.line)).toContain(rule);
  }, 30_000);
});
