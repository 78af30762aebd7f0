/**
 * A real Prometheus on loopback (Debian's `prometheus`; .ci/run installs it), whose TSDB is a count tailgate
 * did not make: remote write received (--web.enable-remote-write-receiver, native histograms on), scrapes of
 * the targets a test names, and PromQL over its HTTP API. Its data lives in a temporary folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export const PROMETHEUS = ['/usr/bin/prometheus', '/usr/local/bin/prometheus'].find((p) => existsSync(p)) ?? null;

export interface Prometheus {
  url: string;
  remoteWriteUrl: string;
  /** An instant query's vector at `time` (default now): each result's labels and value. */
  query(promql: string, time?: number): Promise<{ metric: Record<string, string>; value: number }[]>;
  /** The one value `promql` gives (a scalar result or a vector of exactly one), waiting up to `timeoutMs` for it to equal `until` when given. */
  value(promql: string, until?: (v: number) => boolean, timeoutMs?: number): Promise<number>;
  stop(): Promise<void>;
}

/** `scrape`: job name → the target host:port it scrapes every 500 ms. */
export async function startPrometheus(scrape: Record<string, string> = {}): Promise<Prometheus> {
  if (!PROMETHEUS) throw new Error('prometheus is not installed: bash scripts/test-packages.sh installs it (npm test runs that first)');
  const dir = await mkdtemp(join(tmpdir(), 'tailgate-prometheus-'));
  const port = await freePort();
  const jobs = Object.entries(scrape).map(([job, target]) => `  - job_name: ${job}\n    scrape_interval: 500ms\n    scrape_timeout: 400ms\n    static_configs: [{ targets: ["${target}"] }]\n`);
  await writeFile(join(dir, 'prometheus.yml'), `global:\n  scrape_interval: 500ms\n  scrape_timeout: 400ms\nscrape_configs:\n${jobs.join('') || '  []\n'}`);
  const child: ChildProcess = spawn(
    PROMETHEUS,
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--web.enable-remote-write-receiver', '--enable-feature=native-histograms', '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`prometheus did not start: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const query: Prometheus['query'] = async (promql, time) => {
    const params = new URLSearchParams({ query: promql, ...(time ? { time: String(time) } : {}) });
    const body = (await (await fetch(`${url}/api/v1/query?${params}`)).json()) as { status: string; error?: string; data: { resultType: string; result: unknown } };
    if (body.status !== 'success') throw new Error(`${promql}: ${body.error}`);
    if (body.data.resultType === 'scalar') return [{ metric: {}, value: Number((body.data.result as [number, string])[1]) }];
    return (body.data.result as { metric: Record<string, string>; value: [number, string] }[]).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  };
  return {
    url,
    remoteWriteUrl: `${url}/api/v1/write`,
    query,
    async value(promql, until, timeoutMs = 10_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const r = await query(promql);
        const v = r.length === 1 ? (r[0] as { value: number }).value : NaN;
        if (r.length === 1 && (!until || until(v))) return v;
        if (Date.now() > end) throw new Error(`${promql}: ${JSON.stringify(r)}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
