/**
 * Prometheus remote write (1.0): a WriteRequest in protobuf, snappy-compressed, POSTed. Encoded with
 * protobufjs from the few messages of Prometheus's prompb/types.proto we send (field numbers as there) and
 * compressed with snappyjs (snappy's block format, which the protocol asks for). Histograms go as classic
 * `_bucket`/`_sum`/`_count` series, or, with `prometheus-native`, as native histograms of the same buckets.
 */
import protobuf from 'protobufjs/light.js';
import snappy from 'snappyjs';
import { BUCKET_BOUNDS_S, nativeBuckets, NATIVE_SCHEMA } from './buckets.js';
import { prometheusName, type Family, type Labels } from './families.js';
import { leText } from './prometheus-text.js';
import type { Snapshot } from './snapshot.js';

const root = protobuf.Root.fromJSON({
  nested: {
    prometheus: {
      nested: {
        WriteRequest: { fields: { timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 } } },
        TimeSeries: {
          fields: {
            labels: { rule: 'repeated', type: 'Label', id: 1 },
            samples: { rule: 'repeated', type: 'Sample', id: 2 },
            histograms: { rule: 'repeated', type: 'Histogram', id: 4 },
          },
        },
        Label: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        Sample: { fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 } } },
        Histogram: {
          fields: {
            countInt: { type: 'uint64', id: 1 },
            sum: { type: 'double', id: 3 },
            schema: { type: 'sint32', id: 4 },
            zeroThreshold: { type: 'double', id: 5 },
            zeroCountInt: { type: 'uint64', id: 6 },
            positiveSpans: { rule: 'repeated', type: 'BucketSpan', id: 11 },
            positiveDeltas: { rule: 'repeated', type: 'sint64', id: 12 },
            timestamp: { type: 'int64', id: 15 },
          },
        },
        BucketSpan: { fields: { offset: { type: 'sint32', id: 1 }, length: { type: 'uint32', id: 2 } } },
      },
    },
  },
});
const WriteRequest = root.lookupType('prometheus.WriteRequest');

export const REMOTE_WRITE_HEADERS = {
  'content-type': 'application/x-protobuf',
  'content-encoding': 'snappy',
  'x-prometheus-remote-write-version': '0.1.0',
} as const;

interface Series {
  labels: { name: string; value: string }[];
  samples: { value: number; timestamp: number }[];
  histograms: object[];
}

/** The snapshots (oldest first) as one remote-write body: each series once, its samples in time order. */
export function encodeWriteRequest(snapshots: readonly Snapshot[], native: boolean): Uint8Array {
  const series = new Map<string, Series>();
  const seriesOf = (name: string, labels: Labels): Series => {
    const all = Object.entries({ ...labels, __name__: name }).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const key = JSON.stringify(all);
    let s = series.get(key);
    if (!s) series.set(key, (s = { labels: all.map(([n, value]) => ({ name: n, value })), samples: [], histograms: [] }));
    return s;
  };
  for (const snapshot of snapshots) {
    const timestamp = snapshot.atMs;
    for (const f of snapshot.sources.flatMap((s) => s.families)) addFamily(f, timestamp, native, seriesOf);
  }
  const body = WriteRequest.encode(WriteRequest.fromObject({ timeseries: [...series.values()] })).finish();
  return snappy.compress(body);
}

function addFamily(f: Family, timestamp: number, native: boolean, seriesOf: (name: string, labels: Labels) => Series): void {
  const name = prometheusName(f);
  if (f.kind !== 'histogram') {
    for (const p of f.points) seriesOf(name, p.labels).samples.push({ value: p.value, timestamp });
    return;
  }
  for (const p of f.points) {
    if (native) {
      const b = nativeBuckets(p.counts);
      seriesOf(name, p.labels).histograms.push({ countInt: p.count, sum: p.sum, schema: NATIVE_SCHEMA, zeroThreshold: b.zeroThreshold, zeroCountInt: b.zeroCount, positiveSpans: b.spans, positiveDeltas: b.deltas, timestamp });
      continue;
    }
    let cumulative = 0;
    p.counts.forEach((c, i) => {
      cumulative += c;
      seriesOf(`${name}_bucket`, { ...p.labels, le: leText(BUCKET_BOUNDS_S[i] ?? Infinity) }).samples.push({ value: cumulative, timestamp });
    });
    seriesOf(`${name}_sum`, p.labels).samples.push({ value: p.sum, timestamp });
    seriesOf(`${name}_count`, p.labels).samples.push({ value: p.count, timestamp });
  }
}
