/**
 * The shipped faults schema (scenarios/faults.schema.json), generated from the mock's one declaration,
 * read by tools tailgate did not write: ajv (draft 2020-12, strict) and an editor's YAML language server.
 * Both accept every bundled faults file and every scenario's mock faults, and refuse what the mock refuses.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultsJsonSchema, FaultConfigError, resolveFaults } from '../../mock-server/index.js';
import { faultsJsonSchemaText } from '../../mock-server/faults-json-schema.js';
import { YamlLanguageServer } from '../helpers/yaml-language-server.js';

const SCENARIOS = resolve('scenarios');
const FAULT_FILES = join(SCENARIOS, 'faults');
type Doc = Record<string, unknown>;

let schema: object;
/** Every fault config shipped: the faults files, and each scenario's target.mock.faults and phases[].faults. */
let shipped: { where: string; data: unknown }[];
let faultFiles: { file: string; text: string }[];
beforeAll(async () => {
  schema = JSON.parse(await readFile(join(SCENARIOS, 'faults.schema.json'), 'utf8')) as object;
  faultFiles = await Promise.all(
    (await readdir(FAULT_FILES)).filter((f) => f.endsWith('.yaml')).sort().map(async (file) => ({ file, text: await readFile(join(FAULT_FILES, file), 'utf8') })),
  );
  shipped = faultFiles.map(({ file, text }) => ({ where: `faults/${file}`, data: parseYaml(text) }));
  for (const file of (await readdir(SCENARIOS)).filter((f) => f.endsWith('.yaml')).sort()) {
    const scenario = parseYaml(await readFile(join(SCENARIOS, file), 'utf8')) as { target?: { mock?: { faults?: unknown } }; phases?: { faults?: unknown }[] };
    if (scenario.target?.mock?.faults) shipped.push({ where: `${file} target.mock.faults`, data: scenario.target.mock.faults });
    scenario.phases?.forEach((p, i) => p.faults && shipped.push({ where: `${file} phases[${i}].faults`, data: p.faults }));
  }
});

const mockProblems = (data: unknown): readonly string[] => {
  try {
    resolveFaults(data);
    return [];
  } catch (err) {
    if (!(err instanceof FaultConfigError)) throw err;
    return err.problems;
  }
};

describe('the faults JSON Schema', () => {
  it('is what the declaration generates (npm run schema:faults), never edited by hand', async () => {
    expect(await readFile(join(SCENARIOS, 'faults.schema.json'), 'utf8')).toBe(faultsJsonSchemaText());
    expect(faultsJsonSchema()).toEqual(schema);
  });

  it('ajv (draft 2020-12, strict) accepts every shipped fault config, and refuses a mutated copy where the mock does', () => {
    const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);
    expect(shipped.length).toBeGreaterThanOrEqual(12);
    for (const { where, data } of shipped) {
      expect(validate(data) ? [] : validate.errors, where).toEqual([]);
      expect(mockProblems(data), where).toEqual([]);
    }
    const quickstart = shipped.find((s) => s.where.startsWith('quickstart.yaml'))!.data as Doc;
    const rules = quickstart.rules as Doc[];
    expect(rules.length).toBeGreaterThan(0);
    const mutate = (change: (copy: Doc & { rules: Doc[] }) => void) => {
      const copy = structuredClone(quickstart) as Doc & { rules: Doc[] };
      change(copy);
      return copy;
    };
    const cases: { copy: Doc; at: string; mock: string | RegExp }[] = [
      // A field of another distribution on a latency rule: each dist is its own branch.
      { copy: mutate((c) => (c.rules[0] = { kind: 'latency', dist: 'fixed', ms: 5, minMs: 1 })), at: '/rules/0', mock: 'rules[0].minMs applies to dist uniform or pareto, not fixed' },
      { copy: mutate((c) => (c.rules[0] = { ...c.rules[0], probability: 2 })), at: '/rules/0/probability', mock: /^rules\[0\]\.probability must be a number in 0\.\.1, got 2/ },
      { copy: mutate((c) => (c.rules[0] = { kind: 'status', status: 200 })), at: '/rules/0/status', mock: 'rules[0].status must be an integer in 400..599, got 200' },
      { copy: mutate((c) => (c.capacity = { maxConections: 4 })), at: '/capacity', mock: /^capacity\.maxConections is not a known field \(did you mean maxConnections\?\)/ },
      { copy: mutate((c) => (c.llm = { ttft: { dist: 'gamma' } })), at: '/llm/ttft', mock: /^llm\.ttft\.dist must be one of fixed, uniform/ },
      { copy: mutate((c) => (c.down = [{ atMs: 0 }])), at: '/down/0', mock: 'down[0].forMs is required' },
    ];
    for (const { copy, at, mock } of cases) {
      expect(validate(copy), JSON.stringify(copy.rules ?? copy)).toBe(false);
      expect(validate.errors!.some((e) => e.instancePath.startsWith(at)), `${at}: ${JSON.stringify(validate.errors)}`).toBe(true);
      expect(mockProblems(copy)).toEqual([typeof mock === 'string' ? mock : expect.stringMatching(mock)]);
    }
  });
});

describe('a faults file, read by an editor (yaml-language-server over LSP)', () => {
  let server: YamlLanguageServer;
  beforeAll(async () => {
    server = await YamlLanguageServer.start();
  });
  afterAll(() => server.close());

  it('flags a field of another distribution and a value out of range where they stand, and nothing in a bundled faults file', async () => {
    for (const { file, text } of faultFiles) {
      expect(text.split('\n')[0], file).toBe('# yaml-language-server: $schema=../faults.schema.json');
      expect(await server.open(join(FAULT_FILES, `editor-check-${file}`), text), file).toEqual([]);
    }
    const source = faultFiles.find((f) => f.file === 'pool-exhaustion.yaml')!.text;
    const at = source.split('\n').findIndex((l) => /^\s+stddevMs: /.test(l));
    expect(at).toBeGreaterThan(0);
    const edited = async (name: string, edit: (line: string) => string) => {
      const lines = source.split('\n');
      lines[at] = edit(lines[at] as string);
      return server.open(join(FAULT_FILES, `editor-check-${name}.yaml`), lines.join('\n'));
    };
    // A normal distribution has no p99Ms (lognormal's): flagged on its own line, and only there.
    const foreign = await edited('foreign', (l) => `${l}\n${l.replace(/stddevMs: .*/, 'p99Ms: 400')}`);
    expect(foreign).toEqual([expect.objectContaining({ message: 'Property p99Ms is not allowed.', range: expect.objectContaining({ start: expect.objectContaining({ line: at + 1 }) }) })]);
    const negative = await edited('negative', (l) => l.replace(/stddevMs: .*/, 'stddevMs: -5'));
    expect(negative).toEqual([expect.objectContaining({ message: expect.stringContaining('minimum'), range: expect.objectContaining({ start: expect.objectContaining({ line: at }) }) })]);
  }, 30_000);
});
