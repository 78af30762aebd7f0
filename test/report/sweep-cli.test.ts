/**
 * `tailgate sweep` from the command line, then `report`, `compare` and `gate` on its output: short trials at
 * 4 requests/s whose verdicts are counts (goodput of answers that all arrive), not latencies, so they run
 * beside other files. The sweep's search against a server of known capacity is in sweep.test.ts, alone.
 */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { sweepHtml, sweepJsonSchema, sweepProblems, type SweepFile, type SweepPoint } from '../../src/report/index.js';
import { runCli } from '../helpers/cli.js';

const SCENARIO = `
name: short-trials
target:
  mock:
    faults:
      rules: [{ kind: latency, dist: fixed, ms: 20 }]
workload: { kind: embed, inputsPerRequest: 1 }
load: { model: open, rate: 4, durationS: 5 }
slo: { e2e: 1s }
profiles:
  - { name: fast, preset: undici }
`;

describe('tailgate sweep from the command line, then report and compare on its output', () => {
  it('with --duration 5s a rate held with goodput 100% is held (lengthened if need be); progress has each value and an ETA', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-sweep-'));
    const file = join(dir, 's.yaml');
    await writeFile(file, SCENARIO);
    const r = await runCli(['sweep', file, '--slo', 'goodput>95%', '--rates', '4..4', '--duration', '5s', '--out', dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // Each trial's line: its SLO value, its verdict, what remains.
    expect(r.stdout).toMatch(/fast at 4 req\/s for 5 s: goodput 100\.0%.*: (held|undecided \(too short to decide\)).*· (done|at most \d+ more trial\(s\), about \d+ (s|min) left)/);
    expect(r.stdout).not.toMatch(/not held/);
    expect(r.stdout).toMatch(/fast\s*│\s*4 req\/s/);
    const [name] = (await readdir(dir)).filter((f) => f.startsWith('sweep-short-trials'));
    const sweep = JSON.parse(await readFile(join(dir, name!), 'utf8')) as SweepFile;
    expect(sweep).toMatchObject({ kind: 'sweep', slo: 'goodput>95%', durationS: 5, maxDurationS: 20 });
    expect(sweep.results[0]).toMatchObject({ profile: 'fast', capacity: 4, points: [{ rate: 4, value: 1, verdict: 'held' }] });
    // The shipped schema (`tailgate schema sweep`), read by a standard validator, accepts what sweep wrote.
    const valid = new Ajv2020({ strict: true, allErrors: true }).compile(sweepJsonSchema());
    expect(valid(sweep), JSON.stringify(valid.errors)).toBe(true);
    // A trial that was lengthened says so in its line.
    if (sweep.results[0]!.points[0]!.trials > 1) expect(r.stdout).toContain('too short to decide: again for 10 s');

    const html = join(dir, 'sweep.html');
    const md = join(dir, 'sweep.md');
    const rendered = await runCli(['report', join(dir, name!), '--html', html, '--md', md]);
    expect(rendered.code, rendered.stderr).toBe(0);
    expect(rendered.stdout).toMatch(/fast\s*│\s*4\s*│\s*100\.0%/);
    const page = await readFile(html, 'utf8');
    expect(page).toContain('<svg');
    expect(page).toMatch(/<circle [^>]*><title>fast at 4 req\/s: 100\.0%/);
    expect(page).toContain('limit goodput&gt;95%');
    expect(await readFile(md, 'utf8')).toContain('| fast | 4 | 100.0% |');
    const compared = await runCli(['compare', join(dir, name!), join(dir, name!)]);
    expect(compared.code, compared.stderr).toBe(0);
    expect(compared.stdout).toMatch(/fast\s*│\s*4 req\/s\s*│\s*4 req\/s\s*│\s*\+0%/);
    const gate = await runCli(['gate', join(dir, name!)]);
    expect(gate.code).toBe(2);
    expect(gate.stderr).toContain('is the output of tailgate sweep, not of a run');
  }, 90_000);

  it('reads sweep files from before verdicts, and escapes what a crafted one says', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-sweep-'));
    const old = { scenario: 'llm-streaming', slo: 'p(99)<300ms', range: { from: 10, to: 40 }, durationS: 10, results: [{ profile: '<img src=x onerror=alert(1)>\u001b[31m', capacity: 20, points: [{ rate: 10, value: 120, margin: 5, held: true }, { rate: 20, value: 250, margin: null, held: true }, { rate: 40, value: 900, margin: 40, held: false }] }] };
    await writeFile(join(dir, 'old.json'), JSON.stringify(old));
    const r = await runCli(['report', join(dir, 'old.json'), '--html', join(dir, 'old.html')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('not held');
    expect(r.stdout).not.toContain('\u001b[31m');
    expect(r.stdout).toContain('\\x1b[31m');
    const page = await readFile(join(dir, 'old.html'), 'utf8');
    expect(page).not.toContain('<img');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    const broken = { ...old, results: [{ profile: 'p', capacity: 'lots', points: [{ rate: 'ten' }] }] };
    await writeFile(join(dir, 'broken.json'), JSON.stringify(broken));
    const bad = await runCli(['report', join(dir, 'broken.json')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('results[0].capacity must be a number or null, got "lots"');
    expect(bad.stderr).toContain('results[0].points[0].rate must be a number, got "ten"');
    // The schema a user's script would use agrees: the old file is a sweep file, the broken one is not.
    const valid = new Ajv2020({ strict: true, allErrors: true }).compile(sweepJsonSchema());
    expect([valid(old), valid(broken)]).toEqual([true, false]);
    expect(sweepProblems({ ...old, results: [{ profile: 'p', capacity: 1, points: [{ rate: 1, value: 2 }] }] })).toEqual(['results[0].points[0] must give a verdict (or, as older files do, held)']);
    // The chart: the limit across, a line per profile.
    expect(sweepHtml({ ...old, kind: 'sweep', schemaVersion: 1, results: [{ ...old.results[0]!, profile: 'p', points: old.results[0]!.points.map((p) => ({ ...p, verdict: p.held ? 'held' : 'failed' })) as SweepPoint[] }] })).toMatch(/<polyline[^>]*points="[\d.]+,[\d.]+ [\d.]+,[\d.]+ [\d.]+,[\d.]+"/);
  }, 30_000);

  it('checks before sending: a goodput SLO on a scenario without slo, an unknown profile, a bad range', async () => {
    const noSlo = await runCli(['sweep', 'quickstart', '--slo', 'goodput>95%', '--rates', '4..4']);
    expect(noSlo.code).toBe(2);
    expect(noSlo.stderr).toContain("goodput counts requests that met the scenario's slo");
    const unknown = await runCli(['sweep', 'quickstart', '--slo', 'p(99)<1s', '--profile', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no profile "nope"');
    const bad = await runCli(['sweep', 'llm-streaming', '--slo', 'goodput>95', '--rates', '9..1']);
    expect(bad.code).toBe(2);
  }, 30_000);
});
