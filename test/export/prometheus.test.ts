/**
 * Live export into a real Prometheus (Debian's), checked with PromQL against the report: the totals it
 * stored equal the report's counts (one run, by remote write and by scrape; `--workers 2`; coordinated
 * shards with native histograms), a histogram quantile lands within a bucket of the report's p99, and the
 * mock's and the proxy's own series equal the requests this test sent.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockProcess, type MockProcess } from '../../mock-server/index.js';
import { BUCKET_BOUNDS_S } from '../../src/export/index.js';
import type { ProfileReport, Report } from '../../src/runner/index.js';
import { runCli, spawnCli, waitForOutput } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { startPrometheus, type Prometheus } from '../helpers/prometheus.js';

const SCENARIO = `name: live-export
workload: { kind: embed, inputsPerRequest: 1 }
target: { mock: { faults: { seed: 7, rules: [{ kind: latency, dist: uniform, minMs: 2, maxMs: 40 }, { kind: status, status: 503, probability: 0.1 }] } } }
load: { model: open, rate: 80, durationS: 2 }
profiles:
  - { name: plain, preset: undici }
  - { name: retrying, preset: openai-node }
`;

/** The index of the bucket of buckets.ts holding `seconds`. */
const bucketOf = (seconds: number) => BUCKET_BOUNDS_S.findIndex((b) => seconds <= b);

async function reportIn(dir: string, merged = true): Promise<Report> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json') && merged !== f.includes('-shard-'));
  expect(files).toHaveLength(1);
  return JSON.parse(await readFile(join(dir, files[0] as string), 'utf8')) as Report;
}

let prometheus: Prometheus;
let runPort: number;
let mockPort: number;
let dir: string;
let scenario: string;

// Debian's prometheus: npm test's pretest (scripts/test-packages.sh) installs it or stops before any test runs.
describe('live export into a real Prometheus', () => {
  beforeAll(async () => {
    [runPort, mockPort] = [await freePort(), await freePort()];
    prometheus = await startPrometheus({ run: `127.0.0.1:${runPort}`, mock: `127.0.0.1:${mockPort}` });
    dir = await mkdtemp(join(tmpdir(), 'tailgate-export-'));
    scenario = join(dir, 'live-export.yaml');
    await writeFile(scenario, SCENARIO);
  });
  afterAll(() => prometheus?.stop());

  /** Each series of `family` selected by `selector`, by the value of label `by` (last sample, stale markers ignored). */
  async function byLabel(family: string, selector: string, by: string): Promise<Record<string, number>> {
    const rows = await prometheus.query(`sum by (${by}) (last_over_time(${family}{${selector}}[5m]))`);
    return Object.fromEntries(rows.map((r) => [r.metric[by] ?? '', r.value]));
  }

  /** Every count of `p` as Prometheus holds it for `selector` (summed over shards). */
  async function expectCounts(p: ProfileReport, selector: string): Promise<void> {
    const sel = `${selector},profile="${p.name}"`;
    const one = async (family: string) => (await byLabel(family, sel, 'profile'))[p.name];
    expect(await one('tailgate_requests_started_total')).toBe(p.requests.total);
    expect(await one('tailgate_requests_late_total')).toBe(p.requests.late);
    expect(await byLabel('tailgate_requests_total', sel, 'outcome')).toEqual({ ok: p.requests.ok, ...p.requestErrors });
    expect(await byLabel('tailgate_attempts_total', sel, 'kind')).toEqual({ primary: p.attempts.primary, hedge: p.attempts.hedge, retry: p.attempts.retry });
    expect(await byLabel('tailgate_responses_total', sel, 'status')).toEqual(p.statuses);
    expect(await byLabel('tailgate_errors_total', sel, 'code')).toEqual(p.errors);
    expect(await one('tailgate_connections_opened_total')).toBe(p.connections.opened);
    expect(await one('tailgate_connections_reused_total')).toBe(p.connections.reused);
    expect(await byLabel('tailgate_connections_closed_total', sel, 'by')).toEqual({ server: p.connections.closedByServer, client: p.connections.closedByClient });
    expect(await one('tailgate_request_latency_seconds_count')).toBe(p.latencyMs?.count);
  }

  async function expectP99WithinABucket(p: ProfileReport, selector: string): Promise<void> {
    const q = await prometheus.value(`histogram_quantile(0.99, sum by (le) (last_over_time(tailgate_request_latency_seconds_bucket{${selector},profile="${p.name}"}[5m])))`);
    expect(Math.abs(bucketOf(q) - bucketOf((p.latencyMs?.p99 as number) / 1000))).toBeLessThanOrEqual(1);
  }

  /** The README's live-export recipe, as written but for the addresses (this test's Prometheus and port) and a shorter linger. */
  function readmeRecipe(): string[] {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const line = readme.split('\n').find((l) => l.includes('tailgate run') && l.includes('--export prometheus='));
    if (!line) throw new Error('the README has no `tailgate run … --export prometheus=` recipe');
    const args = line.replace(/#.*$/, '').trim().split(/\s+/).slice(2); // after `npx tailgate`
    return [...args.map((a) => a.replace('http://127.0.0.1:9090', prometheus.url).replace(/^9464$/, `127.0.0.1:${runPort}`)), '--metrics-linger', '2s'];
  }

  let single: Report;

  it('the README recipe (one run): remote write and the scrape endpoint both hold the report’s counts; p99 within a bucket', async () => {
    const out = join(dir, 'single');
    const r = await runCli([...readmeRecipe(), '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`metrics: http://127.0.0.1:${runPort}/metrics`);
    expect(r.stderr).not.toMatch(/cannot export/);
    single = await reportIn(out);
    expect(single.runId).toMatch(/^[0-9a-f]{12}$/);
    // The bundled retry storm: retries, 429s and their error code, all to be found in Prometheus.
    expect(single.profiles.some((p) => p.attempts.retry > 0 && (p.statuses['429'] ?? 0) > 0 && (p.errors.http_429 ?? 0) > 0)).toBe(true);
    for (const p of single.profiles) {
      // Remote-written series carry no job label; scraped ones the job Prometheus scraped them as.
      await expectCounts(p, `run_id="${single.runId}",job=""`);
      await expectCounts(p, `run_id="${single.runId}",job="run",shard="1"`);
      await expectP99WithinABucket(p, `run_id="${single.runId}",job=""`);
    }
  }, 60_000);

  it('deploy/grafana’s dashboard: every panel’s query and variable finds that run’s series (TTFT/ITL only in streamed runs)', async () => {
    const dashboard = JSON.parse(readFileSync(new URL('../../deploy/grafana/tailgate.json', import.meta.url), 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
      templating: { list: { name: string; query: string | { query: string } }[] };
    };
    const fill = (expr: string) => expr.replaceAll('$__rate_interval', '1m').replaceAll('$run_id', single.runId as string).replaceAll('$scenario', single.scenario.name).replaceAll('$profile', '.*');
    for (const panel of dashboard.panels) {
      for (const { expr } of panel.targets) {
        const rows = await prometheus.query(fill(expr));
        if (/ttft|itl/.test(expr)) expect(rows, `${panel.title}: ${expr}`).toEqual([]);
        else expect(rows.length, `${panel.title}: ${expr}`).toBeGreaterThan(0);
      }
    }
    for (const v of dashboard.templating.list) {
      const m = /^label_values\((.+), (\w+)\)$/.exec(typeof v.query === 'string' ? v.query : v.query.query);
      if (!m) continue;
      expect((await prometheus.query(`count by (${m[2]}) (${fill(m[1] as string)})`)).length, v.name).toBeGreaterThan(0);
    }
  }, 30_000);

  it('run --workers 2: each worker’s series under its shard label, and their sums equal the merged report', async () => {
    const out = join(dir, 'workers');
    const r = await runCli(['run', scenario, '--profile', 'retrying', '--workers', '2', '--out', out, '--export', `prometheus=${prometheus.remoteWriteUrl}`]);
    expect(r.code, r.stderr).toBe(0);
    const report = await reportIn(out);
    expect(report.distribution?.shards).toBe(2);
    const selector = `run_id="${report.runId}",job=""`;
    expect(Object.keys(await byLabel('tailgate_requests_started_total', selector, 'shard')).sort()).toEqual(['1', '2']);
    for (const p of report.profiles) {
      await expectCounts(p, selector);
      await expectP99WithinABucket(p, selector);
    }
  }, 60_000);

  it('coordinated shards, native histograms: one run id from the coordinator, sums equal the merged report', async () => {
    const out = join(dir, 'coordinated');
    let mock: MockProcess | null = null;
    try {
      mock = await startMockProcess({ faults: { rules: [{ kind: 'latency', dist: 'uniform', minMs: 2, maxMs: 40 }] } });
      const coordinator = spawnCli(['coordinate', '--shards', '2', '--port', '0', '--out', out, '--lead', '0.5s']);
      const url = await waitForStderr(coordinator, /waiting for 2 shard\(s\) at (http:\/\/\S+)/);
      const shards = [1, 2].map((i) => runCli(['run', scenario, '--profile', 'plain', '--shard', `${i}/2`, '--coordinator', url, '--target', mock!.url, '--out', out, '--export', `prometheus-native=${prometheus.remoteWriteUrl}`]));
      for (const s of await Promise.all(shards)) expect(s.code, s.stderr).toBe(0);
      const code = await new Promise<number>((resolve) => (coordinator.exitCode !== null ? resolve(coordinator.exitCode) : coordinator.once('exit', (c) => resolve(c ?? -1))));
      expect(code, coordinator.output().stderr).toBe(0);
    } finally {
      await mock?.close();
    }
    const report = await reportIn(out);
    const [p] = report.profiles as [ProfileReport];
    const selector = `run_id="${report.runId}",profile="plain"`;
    expect(Object.keys(await byLabel('tailgate_requests_started_total', selector, 'shard')).sort()).toEqual(['1', '2']);
    expect((await byLabel('tailgate_requests_started_total', selector, 'profile')).plain).toBe(p.requests.total);
    expect(await byLabel('tailgate_responses_total', selector, 'status')).toEqual(p.statuses);
    // Pushed just now, so a plain selector finds them (Prometheus 2.42's last_over_time does not take native histograms).
    const native = `sum(tailgate_request_latency_seconds{${selector}})`;
    expect(await prometheus.value(`histogram_count(${native})`)).toBe(p.latencyMs?.count);
    const q = await prometheus.value(`histogram_quantile(0.99, ${native})`);
    expect(Math.abs(bucketOf(q) - bucketOf((p.latencyMs?.p99 as number) / 1000))).toBeLessThanOrEqual(1);
  }, 60_000);

  it('tailgate mock --metrics-port: its own series count the requests this test sent', async () => {
    const mock = spawnCli(['mock', '--port', '0', '--metrics-port', `127.0.0.1:${mockPort}`]);
    try {
      const [, url] = (await waitForOutput(mock, /listening on (http:\/\/\S+)/)) as RegExpMatchArray;
      const sent = 37;
      for (let i = 0; i < sent; i++) {
        const res = await request(`${url}/v1/embeddings`, { method: 'POST', body: '{"input":"hi"}', headers: { 'content-type': 'application/json' } });
        await res.body.dump();
      }
      expect(await prometheus.value('tailgate_mock_requests_total{job="mock"}', (v) => v === sent)).toBe(sent);
      expect(await prometheus.value('tailgate_mock_responses_total{job="mock",status="200"}', (v) => v === sent)).toBe(sent);
    } finally {
      mock.kill('SIGINT');
    }
  }, 30_000);

  it('tailgate proxy --export: each client’s series, as a run profile’s, count the answers this test got through it', async () => {
    const upstream = await startMockProcess({ faults: { seed: 3, rules: [{ kind: 'status', status: 503, probability: 0.25 }] } });
    const out = await mkdtemp(join(tmpdir(), 'tailgate-proxy-export-'));
    const proxy = spawnCli(['proxy', '--upstream', upstream.url, '--out', out, '--export', `prometheus=${prometheus.remoteWriteUrl}`]);
    try {
      const [, url] = (await waitForOutput(proxy, /listening on (http:\/\/\S+)/)) as RegExpMatchArray;
      const got: Record<string, number> = {};
      for (let i = 0; i < 40; i++) {
        const res = await request(`${url}/v1/embeddings`, { method: 'POST', body: `{"input":"${i}"}`, headers: { 'content-type': 'application/json', 'user-agent': 'export-probe/1.0' } });
        await res.body.dump();
        got[res.statusCode] = (got[res.statusCode] ?? 0) + 1;
      }
      expect(got['503'], 'the upstream’s faults reached the client').toBeGreaterThan(0);
      const selector = 'scenario="proxy",profile="export-probe/1.0"';
      expect(await prometheus.value(`sum(tailgate_requests_total{${selector}})`, (v) => v === 40)).toBe(40);
      expect(await byLabelUntil('tailgate_responses_total', selector, 'status', got)).toEqual(got);
      proxy.kill('SIGINT');
      await once(proxy, 'exit');
      const report = await reportIn(out);
      const profile = report.profiles.find((p) => p.name === 'export-probe/1.0') as ProfileReport;
      expect(profile.statuses).toEqual(got);
    } finally {
      proxy.kill('SIGINT');
      await upstream.close();
    }
  }, 30_000);

  /** byLabel, asked again until it equals `want` (remote write lands within a second or two). */
  async function byLabelUntil(family: string, selector: string, by: string, want: Record<string, number>): Promise<Record<string, number>> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const seen = await byLabel(family, selector, by);
      if (JSON.stringify(Object.entries(seen).sort()) === JSON.stringify(Object.entries(want).sort()) || Date.now() > deadline) return seen;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
});

async function waitForStderr(c: ReturnType<typeof spawnCli>, pattern: RegExp): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const m = pattern.exec(c.output().stderr);
    if (m) return m[1] as string;
    if (Date.now() > deadline || c.exitCode !== null) throw new Error(`no ${pattern}: ${JSON.stringify(c.output())}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
