/**
 * The README's recipe "Find what your own client does wrong", run as written: its `tailgate observe`
 * command in a folder holding its my_client.py, with Debian's python3-httpx, against the mock the recipe
 * starts; what the recipe says observe prints must be in what it printed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startMockProcess } from '../../mock-server/index.js';
import { runCli } from '../helpers/cli.js';

const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
const section = readme.split('\n## Find what your own client does wrong\n')[1]?.split('\n## ')[0] ?? '';
const blocks = [...section.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, code: m[2]! }));
/** Debian's own python, with its python3-httpx (not whatever python3 is first on PATH). */
const SYSTEM_PATH = execFileSync('getconf', ['PATH']).toString().trim();

/** The lines after `# observe prints:` in the python block, each a run of fragments ('…' between them) that must appear in order. */
function promised(python: string): string[][] {
  const lines = python.split('\n');
  const at = lines.findIndex((l) => l.startsWith('# observe prints:'));
  return lines
    .slice(at)
    .filter((l) => l.startsWith('#'))
    .map((l) => l.replace(/^# observe prints:/, '').replace(/^#/, '').trim())
    .map((l) => l.split('…').map((f) => f.trim()).filter(Boolean));
}

describe('the README recipe: find what your own client does wrong', () => {
  it('names the client-per-request mistake of the recipe\'s httpx program, with the fix', { timeout: 60_000 }, async () => {
    const [sh, python] = blocks;
    expect(sh?.lang).toBe('sh');
    expect(python?.lang).toBe('python');
    const observe = /npx tailgate (observe .+)$/m.exec(sh!.code)?.[1];
    expect(observe, 'the recipe runs `npx tailgate observe …`').toBeDefined();
    expect(sh!.code).toMatch(/npx tailgate mock --port 8080 &/);
    const expected = promised(python!.code);
    expect(expected.length).toBeGreaterThanOrEqual(2);

    const dir = await mkdtemp(join(tmpdir(), 'tailgate-readme-observe-'));
    await writeFile(join(dir, 'my_client.py'), python!.code);
    // The recipe's mock, on a free port rather than 8080.
    const mock = await startMockProcess();
    let run: Awaited<ReturnType<typeof runCli>>;
    try {
      const args = observe!.split(/\s+/).map((a) => a.replace('http://127.0.0.1:8080', mock.url));
      run = await runCli(args, { PATH: SYSTEM_PATH }, dir);
      // The upstream saw each of the program's requests.
      expect((await mock.stats()).requests.total).toBe(8);
    } finally {
      await mock.close();
    }
    expect(run.code, run.stderr).toBe(0);
    for (const fragments of expected) {
      let from = 0;
      for (const f of fragments) {
        const i = run.stdout.indexOf(f, from);
        expect(i, `"${f}" in observe's output:\n${run.stdout}`).toBeGreaterThanOrEqual(0);
        from = i + f.length;
      }
    }
    // The report is where the recipe's folder keeps it (observe's default --out).
    expect((await readdir(join(dir, 'reports'))).some((f) => /^proxy-.*\.json$/.test(f))).toBe(true);
  });
});
