/**
 * `--export otlp=URL`: OTLP/HTTP metrics (protobuf), through OpenTelemetry's own exporter: the snapshot is
 * handed to it as the SDK's ResourceMetrics (cumulative sums, gauges, explicit-bucket histograms on the
 * layout of buckets.ts), so the encoding and the transport are OpenTelemetry's, not ours.
 */
import http from 'node:http';
import https from 'node:https';
import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { redactUrl, VERSION } from '../engine/index.js';
import { BUCKET_BOUNDS_S } from './buckets.js';
import type { Family } from './families.js';
import { PUSH_TIMEOUT_MS, type Pusher } from './push-queue.js';
import type { Snapshot } from './snapshot.js';
import { withoutUserinfo } from './url-auth.js';

/** ExportResultCode.SUCCESS of @opentelemetry/core (what the exporter's callback reports). */
const SUCCESS = 0;

const hrTime = (ms: number): HrTime => [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];

/** The endpoint as given, or OTLP/HTTP's metrics path on a base URL given without one. */
export function otlpMetricsUrl(url: string): string {
  const u = new URL(url);
  if (u.pathname === '/' || u.pathname === '') u.pathname = '/v1/metrics';
  return u.toString();
}

/** One snapshot as the SDK's ResourceMetrics: a family's points from every source under one metric. */
export function resourceMetrics(snapshot: Snapshot): ResourceMetrics {
  const end = hrTime(snapshot.atMs);
  const byName = new Map<string, MetricData>();
  for (const source of snapshot.sources) {
    const start = hrTime(source.startMs);
    for (const f of source.families) {
      const metric = byName.get(f.otelName) ?? metricOf(f);
      byName.set(f.otelName, metric);
      const attributes = (labels: Attributes) => ({ startTime: start, endTime: end, attributes: labels });
      if (metric.dataPointType === DataPointType.HISTOGRAM && f.kind === 'histogram') {
        for (const p of f.points) metric.dataPoints.push({ ...attributes(p.labels), value: { buckets: { boundaries: [...BUCKET_BOUNDS_S], counts: [...p.counts] }, count: p.count, sum: p.sum } });
      } else if ((metric.dataPointType === DataPointType.SUM || metric.dataPointType === DataPointType.GAUGE) && f.kind !== 'histogram') {
        for (const p of f.points) metric.dataPoints.push({ ...attributes(p.labels), value: p.value });
      }
    }
  }
  return {
    resource: resourceFromAttributes({ 'service.name': 'tailgate', 'service.version': VERSION }),
    scopeMetrics: [{ scope: { name: 'tailgate', version: VERSION }, metrics: [...byName.values()] }],
  };
}

function metricOf(f: Family): MetricData {
  const descriptor = { name: f.otelName, description: f.help, unit: f.unit, valueType: ValueType.DOUBLE };
  const aggregationTemporality = AggregationTemporality.CUMULATIVE;
  if (f.kind === 'histogram') return { descriptor, aggregationTemporality, dataPointType: DataPointType.HISTOGRAM, dataPoints: [] };
  if (f.kind === 'gauge') return { descriptor, aggregationTemporality, dataPointType: DataPointType.GAUGE, dataPoints: [] };
  return { descriptor, aggregationTemporality, dataPointType: DataPointType.SUM, isMonotonic: true, dataPoints: [] };
}

export class OtlpPusher implements Pusher {
  readonly label: string;
  readonly sendsEvery = false;
  private readonly exporter: OTLPMetricExporter;

  constructor(url: string) {
    this.label = `OTLP at ${redactUrl(url)}`;
    const { url: bare, authorization } = withoutUserinfo(otlpMetricsUrl(url));
    const httpAgentOptions = (protocol: string) => unrefSockets(protocol === 'https:' ? new https.Agent({ keepAlive: true, maxSockets: 1 }) : new http.Agent({ keepAlive: true, maxSockets: 1 }));
    this.exporter = new OTLPMetricExporter({ url: bare, timeoutMillis: PUSH_TIMEOUT_MS, concurrencyLimit: 1, httpAgentOptions, ...(authorization ? { headers: { authorization } } : {}) });
  }

  send(batch: readonly Snapshot[]): Promise<void> {
    const latest = batch.at(-1);
    if (!latest) return Promise.resolve();
    return new Promise((resolve, reject) => this.exporter.export(resourceMetrics(latest), (r) => (r.code === SUCCESS ? resolve() : reject(r.error ?? new Error('the OTLP export failed')))));
  }

  close(): Promise<void> {
    return this.exporter.shutdown();
  }
}

/**
 * Its sockets do not keep the process alive: a push still hanging (and the exporter's own retries of it)
 * when tailgate is done ends with the process, instead of holding its exit for the exporter's timeout.
 */
function unrefSockets<A extends http.Agent>(agent: A): A {
  const create = agent.createConnection.bind(agent) as (options: unknown, callback?: unknown) => { unref?: () => void } | null | undefined;
  (agent as { createConnection: unknown }).createConnection = (options: unknown, callback?: unknown) => {
    const socket = create(options, callback);
    socket?.unref?.();
    return socket;
  };
  return agent;
}
