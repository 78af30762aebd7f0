/**
 * The README's recipes, run as written with the real client they name (Debian's python3-httpx, with
 * Debian's own python3), against the mock started as the recipe says: each must do what its comment says.
 */
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadFaultFile, startMockProcess } from '../../mock-server/index.js';
import { Engine } from '../../src/index.js';
import { GENERATOR_FINDING, withFindings } from '../../src/report/index.js';
import { resolveScenario, runScenario } from '../../src/runner/index.js';

interface Recipe {
  faults: string;
  python: string;
  /** The exception its comment promises, e.g. PoolTimeout. */
  raises: string;
}

/** Each `tailgate mock ... --faults FILE` block followed by a python block. */
function recipes(): Recipe[] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const blocks = [...readme.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, code: m[2]! }));
  const out: Recipe[] = [];
  blocks.forEach((b, i) => {
    const faults = /tailgate mock --port 8080 --faults (\S+)/.exec(b.code)?.[1];
    const next = blocks[i + 1];
    if (b.lang === 'sh' && faults && next?.lang === 'python') {
      const raises = /# httpx\.(\w+)/.exec(next.code)?.[1];
      if (raises) out.push({ faults, python: next.code, raises });
    }
  });
  return out;
}

const SYSTEM_PATH = execFileSync('getconf', ['PATH']).toString().trim();

describe("the README's scenario", () => {
  it('runs as written (shortened), and its "tuned" profile is told nothing about its pool or its connections', async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const block = /```yaml\n(name: my-check[\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const report = withFindings(await runScenario(resolveScenario(parseYaml(block!)), { durationS: 3 }));
    const tuned = report.profiles.find((p) => p.name === 'tuned')!;
    expect(tuned.requests.total).toBe(600);
    const about = tuned.findings.filter((f) => f.id !== GENERATOR_FINDING).map((f) => f.id);
    expect(about).not.toContain('connection-churn');
    expect(about).not.toContain('pool-exhaustion');
  }, 60_000);
});

describe('README recipes, with the real httpx', () => {
  const found = recipes();
  it('finds the recipes', () => {
    expect(found.map((r) => r.raises)).toEqual(['PoolTimeout', 'ReadError']);
  });

  for (const recipe of found) {
    it(`${recipe.faults}: httpx raises ${recipe.raises}`, async () => {
      const mock = await startMockProcess({ faults: await loadFaultFile(recipe.faults) });
      try {
        const code = recipe.python.replaceAll('http://127.0.0.1:8080', mock.url);
        const { stderr } = await new Promise<{ stderr: string }>((resolve) => {
          execFile('python3', ['-c', code], { env: { ...process.env, PATH: SYSTEM_PATH }, timeout: 60_000 }, (_err, _stdout, stderr) => resolve({ stderr }));
        });
        // The reset can land while the request is still being written: httpx then says WriteError.
        const expected = recipe.raises === 'ReadError' ? /httpx\.(ReadError|WriteError)/ : new RegExp(`httpx\\.${recipe.raises}`);
        expect(stderr).toMatch(expected);
      } finally {
        await mock.close();
      }
    }, 60_000);
  }

  it('the httpx preset predicts the PoolTimeout recipe: the first 4 answered, the other 28 PoolTimeout', async () => {
    const mock = await startMockProcess({ faults: await loadFaultFile('scenarios/faults/pool-exhaustion.yaml') });
    const engine = new Engine(mock.url, { preset: 'httpx', pool: { connections: 4 }, timeouts: { pool: 1_000 } }, { env: {} });
    try {
      const outcomes = await Promise.all(
        Array.from({ length: 32 }, () => engine.attempt({ method: 'POST', path: '/v1/embeddings', body: '{"input":"hi"}' }).then(() => 'ok', (e: { code: string }) => e.code)),
      );
      expect(outcomes.filter((o) => o === 'ok')).toHaveLength(4);
      expect(outcomes.filter((o) => o === 'pool_timeout')).toHaveLength(28);
    } finally {
      await engine.close();
      await mock.close();
    }
  });
});
