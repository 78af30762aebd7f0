/** `tailgate schema [of]` and `tailgate presets --options`: what they print comes from the declarations, and standard tools read it. */
import { Ajv2020 } from 'ajv/dist/2020.js';
import yargs from 'yargs';
import { describe, expect, it } from 'vitest';
import { presetsCommand } from '../../src/cli/commands/presets.js';
import { schemaCommand } from '../../src/cli/commands/schema.js';
import { InvalidInputError, PRESETS, resolveConfig } from '../../src/index.js';
import { parseTrace } from '../../src/runner/load/trace-file.js';

async function printed(command: (io: { out: (t: string) => void; err: (t: string) => void; isTTY: boolean }) => object, argv: string[]): Promise<string> {
  let out = '';
  const io = { out: (t: string) => void (out += t), err: () => {}, isTTY: false };
  await yargs(argv).command(command(io) as never).strict().parseAsync();
  return out;
}

const leaves = (o: object, prefix = ''): string[] =>
  Object.entries(o).flatMap(([k, v]) => (v && typeof v === 'object' && !Array.isArray(v) && k !== 'headers' && k !== 'localPorts' ? leaves(v, `${prefix}${k}.`) : [`${prefix}${k}`]));

describe('tailgate presets --options', () => {
  it('lists every option a preset sets, with its values, default and meaning', async () => {
    const text = await printed(presetsCommand, ['presets', '--options']);
    const listed = [...text.matchAll(/^(\S+): /gm)].map((m) => m[1]);
    // The presets are written by hand in presets.ts: every option they set is listed, and nothing else.
    expect(listed.sort()).toEqual(leaves(PRESETS.httpx.config).sort());
    expect(text).toContain('pool.connections: an integer in 1..65535 or null; default 100\n  max connections per origin (null = unlimited)\n');
    expect(text).toContain('pool.localPorts: an integer in 1..45536 or a string or an object or null; default null\n');
    expect(text).toContain('behavior.readClock: one of per-read, headers-body; default "per-read"\n');
  });
});

describe('tailgate schema [of]', () => {
  it('prints each hand-written contract as a JSON Schema that ajv compiles (strict) and that agrees with tailgate', async () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    const config = ajv.compile(JSON.parse(await printed(schemaCommand, ['schema', 'client-config'])) as object);
    for (const input of [{ preset: 'httpx', pool: { connections: 10, localPorts: '20000-20099' } }, { timeouts: { read: null }, headers: { 'x-team': 'a' } }]) {
      expect(config(input), JSON.stringify(config.errors)).toBe(true);
      expect(() => resolveConfig(input, { env: {} })).not.toThrow();
    }
    for (const input of [{ preset: 'requests' }, { pool: { conections: 1 } }, { timeouts: { read: 0 } }]) {
      expect(config(input), JSON.stringify(input)).toBe(false);
      expect(() => resolveConfig(input as never, { env: {} })).toThrow(InvalidInputError);
    }
    const line = ajv.compile(JSON.parse(await printed(schemaCommand, ['schema', 'trace-line'])) as object);
    const lines = ['{"atMs": 0, "path": "/a?b=1", "body": {"x": 1}}', '{"atMs": -1}', '{"path": "/a"}', '{"atMs": 1, "path": "a b"}', '{"atMs": 1, "at": 2}'];
    const ours = lines.map((l) => {
      try {
        parseTrace('t', l, 'POST');
        return true;
      } catch {
        return false;
      }
    });
    expect(lines.map((l) => line(JSON.parse(l)))).toEqual(ours);
    expect(ours).toEqual([true, false, false, false, false]);
    expect(JSON.parse(await printed(schemaCommand, ['schema']))).toMatchObject({ title: 'tailgate scenario' });
  });
});
