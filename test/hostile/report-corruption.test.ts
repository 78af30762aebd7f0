/**
 * Every field of a report, corrupted every way (dropped, null, the wrong type, huge, deeply nested, with
 * prototype keys), given to `report`, `gate`, `compare` and `merge`: a report the contract refuses is exit
 * 2 naming the field; one it accepts (an optional field dropped, null where null is allowed) is rendered,
 * gated, compared and merged without a crash. Never exit 3, never a stack trace or a TypeError's words.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportProblems, withFindings } from '../../src/report/index.js';
import { runMain } from '../helpers/cli.js';
import { syntheticProfile, syntheticReport } from '../helpers/synthetic-report.js';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Every path of a value: each field, and the first item of each list (the others are alike); of a map
 * of many alike members (the histograms, an interval series' lists), the first two.
 */
function pathsOf(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(v)) return v.length ? [[...at, 0], ...pathsOf(v[0], [...at, 0])] : [];
  if (!isObj(v)) return [];
  const fields = Object.entries(v);
  const alike = fields.length > 6 && fields.every(([, x]) => typeof x === 'string') ? fields.slice(0, 2) : fields.length > 6 && fields.every(([, x]) => Array.isArray(x)) ? fields.slice(0, 2) : fields;
  return alike.flatMap(([k, x]) => [[...at, k], ...pathsOf(x, [...at, k])]);
}

const shown = (path: (string | number)[]) => path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${k}` : k), '');

/** 10,000 lists deep, in the file's text (too deep for JSON.stringify's own recursion): a walker's recursion would overflow on it. */
const DEEP = '__deep__';
const DEEP_TEXT = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
const fileText = (r: Json) => JSON.stringify(r).replace(`"${DEEP}"`, DEEP_TEXT);

/** The corruptions of one value. */
function corruptions(v: unknown): [string, unknown][] {
  const wrongType = typeof v === 'number' ? 'seven' : typeof v === 'string' ? 7 : typeof v === 'boolean' ? 'yes' : Array.isArray(v) ? { 0: 1 } : isObj(v) ? [1] : 1;
  // Past every limit the contract sets (the longest text, histogram, list, map of counts), and no further.
  const huge = typeof v === 'number' ? 1e300 : typeof v === 'string' ? 'x'.repeat(100_000) : Array.isArray(v) ? new Array(200_000).fill(0) : isObj(v) ? Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, 1])) : 1e300;
  const out: [string, unknown][] = [
    ['dropped', undefined],
    ['null', null],
    ['wrong type', wrongType],
    ['huge', huge],
    ['deeply nested', DEEP],
  ];
  if (isObj(v)) out.push(['prototype keys', JSON.parse(`{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${JSON.stringify(x)}`).concat(['"__proto__":{"polluted":1}', '"constructor":{"prototype":{"polluted":1}}']).join(',')}}`)]);
  return out;
}

function setAt(root: Json, path: (string | number)[], value: unknown): Json {
  const copy = structuredClone(root);
  let at: Record<string | number, unknown> = copy;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (value === undefined) {
    if (Array.isArray(at)) at.splice(last as number, 1);
    else delete at[last];
  } else at[last] = value;
  return copy;
}

const CRASH = /Cannot read properties|Maximum call stack|is not a function|is not iterable|Unexpected|TypeError|RangeError|    at /;

describe('a corrupted report, every field every way, to every report command', () => {
  it('is exit 2 naming the field, or read without a crash; never exit 3', { timeout: 90_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-corrupt-'));
    const base = JSON.parse(JSON.stringify(withFindings(syntheticReport([syntheticProfile('a', { dist: 'lognormal', medianMs: 20, p99Ms: 90 }, 300, 1, 3)])))) as Json;
    const other = join(dir, 'other.json');
    await writeFile(other, JSON.stringify({ ...base, startedAt: '2026-01-01T01:00:00.000Z' }));
    const commands = (file: string) => [['report', file], ['gate', file, '--threshold', 'p(99)<1s', '--threshold', 'error_rate<5%'], ['compare', file, other], ['merge', file, other, '-o', join(dir, 'merged.json')]];
    const counts = { paths: 0, cases: 0, refused: 0, read: 0, commandRuns: 0 };
    const started = Date.now();
    const failures: string[] = [];
    const paths = pathsOf(base);
    counts.paths = paths.length;
    for (const path of paths) {
      const original = path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], base);
      for (const [how, value] of corruptions(original)) {
        counts.cases++;
        const corrupted = setAt(base, path, value);
        const file = join(dir, 'r.json');
        const text = fileText(corrupted);
        await writeFile(file, text);
        const problems = reportProblems(JSON.parse(text));
        const at = `${shown(path)} ${how}`;
        // Refused: a problem names the corrupted field or what holds it; every command reads through reportProblems,
        // so one command in five refused cases (each command in turn) proves the exit and the words.
        // Read: every command runs on it, to the end.
        const runs = !problems.length ? commands(file) : counts.refused % 5 === 0 ? [commands(file)[(counts.refused / 5) % 4]!] : [];
        if (problems.length) counts.refused++;
        else counts.read++;
        if (problems.length && !problems.some((p) => p.startsWith(shown(path.slice(0, Math.max(1, path.length - 2)))) || p.startsWith('the report'))) failures.push(`${at}: names another field: ${problems.join('; ')}`);
        for (const command of runs) {
          counts.commandRuns++;
          const r = await runMain(command);
          const said = `${at}, ${command[0]}: exit ${r.code}: ${r.stderr.slice(0, 300)}`;
          const crashed = CRASH.test(r.stderr + r.stdout);
          const wrongExit = problems.length ? r.code !== 2 || !r.stderr.includes(problems[0]!.slice(0, 80)) : r.code !== 0 && r.code !== 1;
          if (crashed || wrongExit) failures.push(said);
        }
        expect(({} as Json).polluted, at).toBeUndefined();
      }
    }
    console.log(`report corruption matrix: ${JSON.stringify(counts)} in ${Date.now() - started} ms`);
    expect(failures).toEqual([]);
    expect(counts.paths).toBeGreaterThan(100);
  });
});
