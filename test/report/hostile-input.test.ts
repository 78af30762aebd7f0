/**
 * Reports are anyone's files: a corrupted or crafted one is refused by path (exit 2), renders escaped, and
 * writes nowhere it should not; secrets never reach any output, whatever the header is called.
 */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Engine, PerformanceClient, redactConfig, resolveConfig } from '../../src/index.js';
import { runCli, runMain } from '../helpers/cli.js';
import { syntheticProfile, syntheticReport } from '../helpers/synthetic-report.js';

const FIXED = { dist: 'fixed' as const, ms: 10 };

async function reportFile(dir: string, name: string, value: unknown): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

describe('corrupted reports are exit 2, naming the field', () => {
  it('null, missing fields, a bad histogram, timeline null, requests "lots"', { timeout: 30_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-bad-report-'));
    const good = syntheticReport([syntheticProfile('a', FIXED, 100, 1)]);
    const p = good.profiles[0]!;
    const cases: [unknown, string][] = [
      ['null', 'the report must be a JSON object'],
      [{ ...good, profiles: undefined }, 'profiles is required'],
      [{ ...good, profiles: [{ ...p, histograms: { ...p.histograms, latency: 'not-a-histogram' } }] }, 'profiles[0].histograms.latency is not base64'],
      [{ ...good, profiles: [{ ...p, timeline: null }] }, 'profiles[0].timeline must be a list, got null'],
      [{ ...good, profiles: [{ ...p, requests: 'lots' }] }, 'profiles[0].requests must be an object, got "lots"'],
      [{ ...good, profiles: [{ ...p, requests: { ...p.requests, failed: 'some' } }] }, 'profiles[0].requests.failed must be an integer in 0..9007199254740991, got "some"'],
      [{ ...good, profiles: [{ ...p, requests: { ...p.requests, failed: p.requests.failed + 1 } }] }, 'profiles[0].requests.total must be ok + failed'],
      [{ ...good, workload: { kind: 'embed' } }, 'workload.path is required'],
    ];
    for (const [value, problem] of cases) {
      const file = await reportFile(dir, 'r.json', value);
      for (const command of [['report', file], ['gate', file, '--threshold', 'p(99)<1s'], ['compare', file]]) {
        const r = await runMain(command);
        expect(r.code, `${command[0]}: ${problem}`).toBe(2);
        expect(r.stderr).toContain(problem);
        expect(r.stdout).not.toMatch(/NaN|undefined/);
      }
    }
    // The program itself, as a user runs it: the same exit and words.
    const cli = await runCli(['gate', await reportFile(dir, 'r.json', cases[2]![0]), '--threshold', 'p(99)<1s']);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain(cases[2]![1]);
  });

  it('merge refuses shards of different runs and the same report twice', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-merge-'));
    const shard = (index: number, count: number) => ({ ...syntheticReport([syntheticProfile('a', FIXED, 100, index)]), shard: { index, count }, startedAt: `2026-01-01T00:00:0${index}.000Z` });
    const a = await reportFile(dir, 'a.json', shard(1, 2));
    const b = await reportFile(dir, 'b.json', shard(2, 3));
    const mixed = await runCli(['merge', a, b, '-o', join(dir, 'm.json')]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('the shards are of different runs: 1/2, 2/3');
    const twice = await runCli(['merge', a, a, '-o', join(dir, 'm.json')]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('the same shard is given twice');
    const plain = await reportFile(dir, 'p.json', syntheticReport([syntheticProfile('a', FIXED, 100, 1)]));
    const plainTwice = await runCli(['merge', plain, plain, '-o', join(dir, 'm.json')]);
    expect(plainTwice.code).toBe(2);
    expect(plainTwice.stderr).toContain('the same report is given twice');
    expect((await readdir(dir)).includes('m.json')).toBe(false);
  });
});

describe('a crafted report renders escaped and writes only where asked', () => {
  it('a profile named ../../../x stays in the hgrm folder; Markdown, JUnit and the terminal escape what they did not write', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-crafted-'));
    // A name of its own per run: a traversal that escaped would land in the temp folder as escaped-<id>.hgrm.
    const escaped = `escaped-${process.pid}-${Date.now()}`;
    const evil = syntheticProfile(`../../../${escaped}`, FIXED, 100, 1);
    const report = {
      ...syntheticReport([evil, syntheticProfile('\u001b[31mred\u001b[0m|<b>', FIXED, 100, 2)], { thresholds: ['p(99)<1s'], maxRegression: [] }),
      workload: { kind: 'embed | <img src=x onerror=alert(1)>', path: '/v1/**bold** [link](http://evil)', method: 'POST' },
      load: { model: 'open', rate: 1, durationS: 1, thinkTimeMs: 0, maxInFlight: 1 },
      startedAt: '2026-01-01 `code` \u0007',
      scenario: { name: 'x\u0001y\u0000z', file: null, hash: '0' },
      partial: true,
      distribution: { shards: 2, mode: 'coordinated', startSkewMs: { '1': 0.5, '2': null }, clockRttMs: { '1': 0.2, '2': null }, missing: [{ index: 2, status: 'failed', detail: '<script>alert(1)</script> **x** \u001b[2J' }] },
    };
    const file = await reportFile(dir, 'crafted.json', report);
    const out = join(dir, 'out');
    const r = await runCli(['report', file, '--hgrm', join(out, 'h'), '--md', join(out, 'r.md'), '--junit', join(out, 'j.xml'), '--html', join(out, 'r.html')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await readdir(join(out, 'h'))).toHaveLength(2);
    for (const f of await readdir(join(out, 'h'))) expect(f).toMatch(/^[A-Za-z0-9_][A-Za-z0-9._-]*\.hgrm$/);
    expect(await readdir(tmpdir())).not.toContain(`${escaped}.hgrm`);
    expect(r.stdout).not.toContain('\u001b[31m');
    expect(r.stdout).toContain('\\x1b[31mred');
    // A shard's own words (why it failed) are the report's, not ours: escaped in every rendering.
    expect(r.stdout).toContain('shard 2 failed (<script>alert(1)</script> **x** \\x1b[2J)');
    const html = await readFile(join(out, 'r.html'), 'utf8');
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('&lt;script&gt;alert(1)');
    const md = await readFile(join(out, 'r.md'), 'utf8');
    // Everything the report supplied is escaped: no raw HTML, emphasis, link or code span survives.
    for (const raw of [/(^|[^\\])<script/, /(^|[^\\])\*\*x/, /(^|[^\\])<img/, /(^|[^\\])\*\*bold/, /(^|[^\\])\[link\]/, /(^|[^\\])`code/]) expect(md).not.toMatch(raw);
    expect(md).toContain('\\<img');
    expect(md).toContain('shard 2 failed (\\<script\\>');
    expect(md).not.toMatch(/[\u0000-\u0008\u001b]/);
    const xml = await readFile(join(out, 'j.xml'), 'utf8');
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    expect(xml).toContain('x\ufffdy\ufffdz');
  });
});

describe('secrets, by rule', () => {
  it('credential-looking headers, URL userinfo and the API key never reach a redacted config, inspect or JSON', async () => {
    const config = resolveConfig({ apiKey: 'sk-live-123456789', headers: { 'X-Auth-Token': 'tok-1', api_key: 'k-2', 'X-Custom': 'Bearer abc.def', 'X-Trace': 'fine' }, proxy: 'http://user:pw@127.0.0.1:3128' }, { env: {} });
    const shown = JSON.stringify(redactConfig(config));
    for (const secret of ['sk-live-123456789', 'tok-1', 'k-2', 'abc.def', 'user:pw', ':pw@']) expect(shown).not.toContain(secret);
    expect(shown).toContain('fine');
    const engine = new Engine('http://127.0.0.1:1', { apiKey: 'sk-live-123456789', headers: { 'X-Auth-Token': 'tok-1' } }, { env: {} });
    const client = new PerformanceClient({ baseUrl: 'http://127.0.0.1:1', apiKey: 'sk-live-123456789', env: {} });
    try {
      for (const text of [inspect(engine, { depth: 10 }), JSON.stringify(engine), inspect(client, { depth: 10 }), JSON.stringify(client)]) {
        expect(text).not.toContain('sk-live-123456789');
        expect(text).not.toContain('tok-1');
      }
    } finally {
      await engine.close();
      await client.close();
    }
  });

  it('a password in the target URL appears in no output: stdout, report JSON, HTML', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-secret-url-'));
    const mock = await import('../../mock-server/index.js').then((m) => m.startMockProcess());
    try {
      const target = mock.url.replace('http://', 'http://admin:hunter2@');
      const r = await runCli(['run', '--target', target, '--duration', '1s', '--rate', '20', '--out', dir]);
      expect(r.code).toBe(0);
      let all = r.stdout + r.stderr;
      for (const f of await readdir(dir)) all += await readFile(join(dir, f), 'utf8');
      expect(all).not.toContain('hunter2');
      expect(all).toContain('[redacted]@127.0.0.1');
    } finally {
      await mock.close();
    }
  });
});
