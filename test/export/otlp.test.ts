/**
 * `--export otlp=URL` into a small OTLP/HTTP receiver that decodes what it got (protobufjs, from
 * opentelemetry-proto's field numbers: not the exporter's own code), and endpoints that cannot be reached:
 * the run goes on, warns once, and writes a complete report.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/engine/index.js';
import { BUCKET_BOUNDS_S, LiveExport } from '../../src/export/index.js';
import type { Report } from '../../src/runner/index.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';

/** opentelemetry-proto's collector/metrics/v1 and metrics/v1 messages, the fields this test reads. */
const OTLP = protobuf.Root.fromJSON({
  nested: {
    ExportMetricsServiceRequest: { fields: { resourceMetrics: { rule: 'repeated', type: 'ResourceMetrics', id: 1 } } },
    ResourceMetrics: { fields: { scopeMetrics: { rule: 'repeated', type: 'ScopeMetrics', id: 2 } } },
    ScopeMetrics: { fields: { metrics: { rule: 'repeated', type: 'Metric', id: 2 } } },
    Metric: { fields: { name: { type: 'string', id: 1 }, unit: { type: 'string', id: 3 }, gauge: { type: 'Points', id: 5 }, sum: { type: 'Sum', id: 7 }, histogram: { type: 'Histogram', id: 9 } } },
    Points: { fields: { dataPoints: { rule: 'repeated', type: 'NumberDataPoint', id: 1 } } },
    Sum: { fields: { dataPoints: { rule: 'repeated', type: 'NumberDataPoint', id: 1 }, aggregationTemporality: { type: 'int32', id: 2 }, isMonotonic: { type: 'bool', id: 3 } } },
    Histogram: { fields: { dataPoints: { rule: 'repeated', type: 'HistogramDataPoint', id: 1 }, aggregationTemporality: { type: 'int32', id: 2 } } },
    NumberDataPoint: { fields: { attributes: { rule: 'repeated', type: 'KeyValue', id: 7 }, asDouble: { type: 'double', id: 4 }, asInt: { type: 'sfixed64', id: 6 } } },
    HistogramDataPoint: {
      fields: { attributes: { rule: 'repeated', type: 'KeyValue', id: 9 }, count: { type: 'fixed64', id: 4 }, sum: { type: 'double', id: 5 }, bucketCounts: { rule: 'repeated', type: 'fixed64', id: 6 }, explicitBounds: { rule: 'repeated', type: 'double', id: 7 } },
    },
    KeyValue: { fields: { key: { type: 'string', id: 1 }, value: { type: 'AnyValue', id: 2 } } },
    AnyValue: { fields: { stringValue: { type: 'string', id: 1 } } },
  },
}).lookupType('ExportMetricsServiceRequest');

interface Point {
  attributes: Record<string, string>;
  value?: number;
  count?: number;
  bucketCounts?: number[];
  explicitBounds?: number[];
}

/** Metric name → its points (attributes flattened), from one decoded request. */
function decode(body: Buffer): Map<string, { monotonic: boolean; temporality: number; points: Point[] }> {
  type Raw = { attributes?: { key: string; value: { stringValue: string } }[]; asDouble?: number; asInt?: number; count?: number; bucketCounts?: number[]; explicitBounds?: number[] };
  const msg = OTLP.toObject(OTLP.decode(body), { longs: Number, defaults: false }) as { resourceMetrics: { scopeMetrics: { metrics: { name: string; sum?: { dataPoints: Raw[]; isMonotonic: boolean; aggregationTemporality: number }; gauge?: { dataPoints: Raw[] }; histogram?: { dataPoints: Raw[]; aggregationTemporality: number } }[] }[] }[] };
  const out = new Map<string, { monotonic: boolean; temporality: number; points: Point[] }>();
  for (const m of msg.resourceMetrics.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics))) {
    const data = m.sum ?? m.histogram ?? m.gauge;
    const points = (data?.dataPoints ?? []).map((p) => ({
      attributes: Object.fromEntries((p.attributes ?? []).map((a) => [a.key, a.value.stringValue])),
      // One of as_double and as_int is set; a zero is left out of the decoded object (no presence in this descriptor).
      ...(m.histogram ? {} : { value: (p.asDouble ?? 0) + (p.asInt ?? 0) }),
      ...(m.histogram ? { count: p.count ?? 0, bucketCounts: p.bucketCounts ?? [], explicitBounds: p.explicitBounds ?? [] } : {}),
    }));
    out.set(m.name, { monotonic: m.sum?.isMonotonic ?? false, temporality: m.sum?.aggregationTemporality ?? m.histogram?.aggregationTemporality ?? 0, points });
  }
  return out;
}

const SCENARIO = `name: otlp-export
workload: { kind: embed, inputsPerRequest: 1 }
target: { mock: { faults: { seed: 3, rules: [{ kind: latency, dist: uniform, minMs: 2, maxMs: 20 }, { kind: status, status: 503, probability: 0.1 }] } } }
load: { model: open, rate: 80, durationS: 2 }
profiles:
  - { name: plain, preset: undici }
`;

async function setUp(): Promise<{ dir: string; scenario: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'tailgate-otlp-'));
  const scenario = join(dir, 'scenario.yaml');
  await writeFile(scenario, SCENARIO);
  return { dir, scenario };
}

async function theReport(dir: string): Promise<Report> {
  const [file] = (await readdir(dir)).filter((f) => f.endsWith('.json'));
  return JSON.parse(await readFile(join(dir, file as string), 'utf8')) as Report;
}

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

async function listen(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('--export otlp', () => {
  it('a receiver decodes the same totals as the report: counters, statuses, the latency histogram on the shared buckets', async () => {
    const received: { path: string; type: string; body: Buffer }[] = [];
    const url = await listen((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ path: req.url ?? '', type: req.headers['content-type'] ?? '', body: Buffer.concat(chunks) });
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    const { dir, scenario } = await setUp();
    const r = await runCli(['run', scenario, '--out', dir, '--export', `otlp=${url}`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/cannot export/);
    const report = await theReport(dir);
    const [p] = report.profiles as [Report['profiles'][number]];
    expect(received.length).toBeGreaterThan(1);
    // A base URL gets OTLP/HTTP's metrics path; the body is protobuf.
    expect(new Set(received.map((x) => `${x.path} ${x.type}`))).toEqual(new Set(['/v1/metrics application/x-protobuf']));
    const last = decode((received.at(-1) as { body: Buffer }).body);
    const points = (name: string) => last.get(name)?.points ?? [];
    const labels = { scenario: 'otlp-export', profile: 'plain', shard: '1', run_id: report.runId as string };
    const started = last.get('tailgate.requests.started');
    expect(started).toMatchObject({ monotonic: true, temporality: 2 }); // CUMULATIVE
    expect(started?.points).toEqual([{ attributes: labels, value: p.requests.total }]);
    const byLabel = (name: string, key: string) => Object.fromEntries(points(name).map((x) => [x.attributes[key], x.value]));
    expect(byLabel('tailgate.requests', 'outcome')).toEqual({ ok: p.requests.ok, ...p.requestErrors });
    expect(byLabel('tailgate.responses', 'status')).toEqual(p.statuses);
    expect(byLabel('tailgate.errors', 'code')).toEqual(p.errors);
    expect(byLabel('tailgate.attempts', 'kind')).toEqual({ primary: p.attempts.primary, hedge: p.attempts.hedge, retry: p.attempts.retry });
    const [latency] = points('tailgate.request.latency');
    expect(latency?.count).toBe(p.latencyMs?.count);
    expect(latency?.explicitBounds).toEqual([...BUCKET_BOUNDS_S]);
    expect(latency?.bucketCounts?.reduce((a, b) => a + b, 0)).toBe(p.latencyMs?.count);
  }, 30_000);

  it('endpoints that refuse or never answer: one warning each, a complete report, and the run does not wait on them', async () => {
    const closed = await freePort();
    // Accepts, reads, never answers: every push can only time out.
    const silent = await listen(() => {});
    const { dir, scenario } = await setUp();
    const began = Date.now();
    const r = await runCli(['run', scenario, '--out', dir, '--export', `prometheus=http://127.0.0.1:${closed}/api/v1/write`, '--export', `otlp=${silent}/v1/metrics`]);
    const tookMs = Date.now() - began;
    expect(r.code, r.stderr).toBe(0);
    const report = await theReport(dir);
    const [p] = report.profiles as [Report['profiles'][number]];
    expect(report.partial).toBe(false);
    expect(p.requests.total).toBe(160);
    expect(p.requests.ok + p.requests.failed).toBe(160);
    expect(r.stderr.match(/cannot export to prometheus remote write at http:\/\/127\.0\.0\.1:\d+\/api\/v1\/write: ECONNREFUSED/g)).toHaveLength(1);
    expect(r.stderr.match(/cannot export to OTLP at /g)).toHaveLength(1);
    expect(r.stderr).toMatch(/export to prometheus remote write .*: \d+ of \d+ pushes failed/);
    // The load's 2 s, start-up and the drain, plus at most one bounded wait for the final push.
    expect(tookMs).toBeLessThan(20_000);
  }, 40_000);

  it('a bad --export or --metrics-port is exit 2 naming it, before anything is sent', async () => {
    let requests = 0;
    const target = await listen((_req, res) => {
      requests++;
      res.end('{}');
    });
    const { dir, scenario } = await setUp();
    const r = await runCli(['run', scenario, '--out', dir, '--target', target, '--export', 'graphite=http://127.0.0.1:2003', '--export', 'otlp=ftp://x', '--export', 'influx=http://user:hunter2@127.0.0.1:1/write', '--metrics-port', '70000']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--export must be KIND=URL with KIND one of prometheus, prometheus-native, otlp, got "graphite=/);
    expect(r.stderr).toMatch(/--export otlp must be an http:\/\/ or https:\/\/ URL/);
    expect(r.stderr).toMatch(/--metrics-port must be PORT or HOST:PORT/);
    expect(r.stderr).toMatch(/got "influx=http:\/\/\S+@127\.0\.0\.1:1\/write"/);
    expect(r.stderr).not.toContain('hunter2');
    expect(requests).toBe(0);
    // A scrape port already taken is found at start, before the run: invalid input, naming the flag.
    const taken = Number(new URL(target).port);
    const started = LiveExport.start({ targets: [], listen: { host: '127.0.0.1', port: taken }, lingerMs: 0 }, { info: () => {}, warn: () => {} });
    await expect(started).rejects.toBeInstanceOf(InvalidInputError);
    await expect(started).rejects.toThrow(/--metrics-port[\s\S]*cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/);
  }, 30_000);
});
