/**
 * vendor/typebox.mjs is TypeBox bundled into one module (scripts/vendor-typebox.mjs says why): it must be the
 * bundling of the TypeBox that is installed, and the code must run it rather than TypeBox's own ~700 files.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/built.js';

const script = join(ROOT, 'scripts/vendor-typebox.mjs');
const { bundledTypebox, VENDOR_FILE } = (await import(script)) as { bundledTypebox: () => Promise<string>; VENDOR_FILE: string };

const sources = (dir: string): string[] =>
  readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));

describe('vendor/typebox.mjs', () => {
  it('is the bundling of the installed TypeBox (npm run vendor:typebox rewrites it)', async () => {
    expect(readFileSync(VENDOR_FILE, 'utf8') === (await bundledTypebox()), 'vendor/typebox.mjs is stale: run npm run vendor:typebox').toBe(true);
  }, 30_000);

  it('is what runs: the code imports only types from TypeBox itself', () => {
    const runtime = ['src', 'mock-server'].flatMap(sources).filter((f) => /^import (?!type )[^;]*from 'typebox[/']/m.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(runtime).toEqual([]);
  });
});
