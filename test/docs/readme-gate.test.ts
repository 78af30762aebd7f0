/**
 * The README's CI-gate recipe, run as written on a real quickstart run: the gate decides from intervals,
 * prints its verdict in words, fails what clearly fails (the first thing a new user tries), and `run`
 * prints the verdict of the scenario's own gate section.
 */
import { copyFile, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
/** The recipe's arguments after `npx tailgate`, quotes removed. */
const recipe = /`npx tailgate (gate new\.json --baseline main\.json [^`]+)`/.exec(readme)?.[1];

describe('the README gate recipe', () => {
  it('gates a run against a baseline as written; a threshold every request misses fails; run prints its verdict', { timeout: 60_000 }, async () => {
    expect(recipe, 'the README names `npx tailgate gate new.json --baseline main.json …`').toBeDefined();
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-readme-gate-'));
    const run = await runCli(['run', 'quickstart', '--duration', '2s', '--out', dir]);
    expect(run.code, run.stderr).toBe(0);
    // The scenario's gate section, judged and said in words at the end of the run.
    expect(run.stdout).toMatch(/\ngate (passed: \d+ of \d+ checks passed|inconclusive: \d+ of \d+ checks undecided)/);
    const [file] = (await readdir(dir)).filter((f) => f.endsWith('.json'));
    await copyFile(join(dir, file!), join(dir, 'new.json'));
    await copyFile(join(dir, file!), join(dir, 'main.json'));
    const args = recipe!.split(/\s+/).map((a) => a.replace(/^'|'$/g, ''));
    const gated = await runCli(args.map((a) => (a.endsWith('.json') || a.endsWith('.xml') ? join(dir, a) : a)));
    // A run against itself never fails; each check says pass, or what would decide it.
    expect(gated.code, gated.stdout).toBe(0);
    expect(gated.stdout).toMatch(/\ngate (passed|inconclusive): /);
    expect(await readFile(join(dir, 'gate.xml'), 'utf8')).toContain('<testsuites name="tailgate"');
    // Every request took longer than a microsecond: that fails, whatever the sample count.
    const strict = await runCli(['gate', join(dir, 'new.json'), '--threshold', 'p(99)<0.001ms']);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/\ngate FAILED: 2 of 2 checks failed, 0 passed/);
  });
});
