/**
 * The architecture as code: which part may import which (docs/architecture.md), no import circles between
 * files, and no file over 400 lines. Read from the sources as text (imports are static), so a change that
 * breaks the layering fails here rather than in review.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Each part and the parts it may import (besides itself). Type-only imports follow the same rule. */
export const ALLOWED: Record<string, string[]> = {
  'src/cli': ['src/runner', 'src/probe', 'src/proxy', 'src/export', 'src/report', 'src/metrics', 'src/engine', 'src/util', 'mock-server'],
  'src/runner': ['src/report', 'src/metrics', 'src/engine', 'src/util', 'mock-server'],
  'src/probe': ['src/report', 'src/metrics', 'src/engine', 'src/util'],
  'src/proxy': ['src/report', 'src/metrics', 'src/engine', 'src/util', 'mock-server'],
  'src/export': ['src/report', 'src/metrics', 'src/engine', 'src/util', 'mock-server'],
  'src/report': ['src/metrics', 'src/engine', 'src/util'],
  'src/metrics': ['src/engine', 'src/util'],
  'src/engine': ['src/util'],
  'src/util': [],
  'mock-server': ['src/util'],
  'src/index.ts': ['src/engine'],
};

/**
 * Types only (no code runs across): the report carries the mock's own counts verbatim, and the mock owns
 * their declaration (its stats are its admin API's contract).
 */
const TYPES_ALLOWED: Record<string, string[]> = { 'src/report': ['mock-server'] };

/** Inside the engine, its folders import downward only: client → policy → transport → config. */
const ENGINE_ORDER = ['src/engine/client', 'src/engine/policy', 'src/engine/transport', 'src/engine/config'];

function files(dir: string, out: string[] = []): string[] {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) files(p, out);
    else if (f.endsWith('.ts')) out.push(p);
  }
  return out;
}

const sources = [...files(join(ROOT, 'src')), ...files(join(ROOT, 'mock-server'))];
const partOf = (file: string): string => {
  const rel = relative(ROOT, file).split('\\').join('/');
  if (rel === 'src/index.ts') return rel;
  const [top, second] = rel.split('/');
  return top === 'src' ? `src/${second?.endsWith('.ts') ? 'index.ts' : second}` : (top as string);
};
/** A file's relative imports, each with whether it brings in types only. */
const importsWithKind = (file: string): { target: string; typeOnly: boolean }[] =>
  [...readFileSync(file, 'utf8').matchAll(/(import\s+type\b[^'"]*?from|export\s+type\b[^'"]*?from|from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => ({
    target: resolve(dirname(file), (m[2] as string).replace(/\.js$/, '.ts')),
    typeOnly: /^(import|export)\s+type\b/.test(m[1] as string),
  }));
const importsOf = (file: string): string[] => importsWithKind(file).map((i) => i.target);

describe('the architecture', () => {
  it('each part imports only the parts below it', () => {
    const wrong: string[] = [];
    for (const file of sources) {
      const from = partOf(file);
      for (const { target, typeOnly } of importsWithKind(file)) {
        const to = partOf(target);
        const allowed = (ALLOWED[from] ?? []).includes(to) || (typeOnly && (TYPES_ALLOWED[from] ?? []).includes(to));
        if (to !== from && !allowed) wrong.push(`${relative(ROOT, file)} imports ${relative(ROOT, target)} (${from} → ${to})`);
        const a = ENGINE_ORDER.findIndex((d) => file.startsWith(join(ROOT, d)));
        const b = ENGINE_ORDER.findIndex((d) => target.startsWith(join(ROOT, d)));
        if (a !== -1 && b !== -1 && b < a) wrong.push(`${relative(ROOT, file)} imports ${relative(ROOT, target)} (engine folders import downward only)`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('no import circles between files', () => {
    const graph = new Map(sources.map((f) => [f, importsOf(f).filter((t) => t.endsWith('.ts'))]));
    const circles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (f: string): void => {
      state.set(f, 'open');
      stack.push(f);
      for (const t of graph.get(f) ?? []) {
        // index.ts files re-export their folder: a circle through a folder's own door is not one of its files.
        if (t.endsWith('/index.ts') && dirname(t) === dirname(f)) continue;
        if (state.get(t) === 'open') circles.push(stack.slice(stack.indexOf(t)).concat(t).map((x) => relative(ROOT, x)).join(' → '));
        else if (!state.has(t) && graph.has(t)) visit(t);
      }
      stack.pop();
      state.set(f, 'done');
    };
    for (const f of sources) if (!state.has(f)) visit(f);
    expect(circles).toEqual([]);
  });

  it('no source file over 400 lines', () => {
    const long = sources.map((f) => [relative(ROOT, f), readFileSync(f, 'utf8').split('\n').length] as const).filter(([, n]) => n > 400);
    expect(long).toEqual([]);
  });
});
