/**
 * A run's series: every family a shard exports, declared here once (docs/export.md lists them), built
 * from one live sample (metrics' LiveSample) with the labels that say whose it is.
 */
import type { LiveHistogramName, LiveRun, LiveSample } from '../metrics/index.js';
import type { Family, FamilySpec, HistogramPoint, Labels } from './families.js';
import { pointsBy } from './families.js';

const spec = (otelName: string, unit: string, help: string): FamilySpec => ({ otelName, unit, help });

export const RUN_FAMILIES = {
  started: spec('tailgate.requests.started', '{request}', 'Logical requests started (the report’s requests.total once all have ended).'),
  requests: spec('tailgate.requests', '{request}', 'Logical requests ended, by outcome: ok, or the error code the request finally failed with.'),
  late: spec('tailgate.requests.late', '{request}', 'Logical requests started later than the load model’s tolerance (late starts).'),
  inFlight: spec('tailgate.requests.in_flight', '{request}', 'Logical requests in flight when the second closed.'),
  attempts: spec('tailgate.attempts', '{attempt}', 'HTTP attempts written to a connection, by kind: primary, hedge, retry.'),
  responses: spec('tailgate.responses', '{response}', 'Responses received, per attempt, by HTTP status.'),
  errors: spec('tailgate.errors', '{error}', 'Failed tries, by error code (attempts sent, and tries that failed before they could be: pool, connect).'),
  opened: spec('tailgate.connections.opened', '{connection}', 'Connections opened.'),
  reused: spec('tailgate.connections.reused', '{attempt}', 'Attempts sent on a connection that had served one before.'),
  closed: spec('tailgate.connections.closed', '{connection}', 'Connections closed, by which side closed them: server or client.'),
} as const;

/** The timed histograms, seconds: the report's of the same meaning, and the generator's own delay. */
export const RUN_HISTOGRAMS: Record<LiveHistogramName, FamilySpec> = {
  latency: spec('tailgate.request.latency', 's', 'Logical request latency, from its intended start (no coordinated omission) to its end.'),
  queueWait: spec('tailgate.queue_wait', 's', 'How long each try waited for a connection from the pool.'),
  connect: spec('tailgate.connect', 's', 'Connection establishment (TCP, and TLS when used).'),
  ttfb: spec('tailgate.ttfb', 's', 'Time to the first byte of each attempt’s response.'),
  ttft: spec('tailgate.ttft', 's', 'Streams: time to the first token, by the run’s metricDefinitions (docs/metrics.md).'),
  itl: spec('tailgate.itl', 's', 'Streams: gaps between tokens, by the run’s metricDefinitions (docs/metrics.md).'),
  loopDelay: spec('tailgate.generator.loop_delay', 's', 'The load generator’s own event-loop delay (a 1 ms timer’s lateness): high values make every time above suspect.'),
};

/** Stream timings exist only in streamed runs: not exported while nothing was recorded. */
const STREAM_ONLY: ReadonlySet<LiveHistogramName> = new Set(['ttft', 'itl']);

export function runLabels(run: LiveRun): Labels {
  return { scenario: run.scenario, profile: run.profile, shard: String(run.shard), run_id: run.runId };
}

export function runFamilies(run: LiveRun, s: LiveSample): Family[] {
  const labels = runLabels(run);
  const one = (value: number) => [{ labels, value }];
  const f = RUN_FAMILIES;
  const families: Family[] = [
    { ...f.started, kind: 'counter', points: one(s.requests.started) },
    { ...f.requests, kind: 'counter', points: pointsBy(labels, 'outcome', { ok: s.requests.ok, ...s.requests.failed }) },
    { ...f.late, kind: 'counter', points: one(s.requests.late) },
    { ...f.inFlight, kind: 'gauge', points: one(s.inFlight) },
    { ...f.attempts, kind: 'counter', points: pointsBy(labels, 'kind', s.attempts) },
    { ...f.responses, kind: 'counter', points: pointsBy(labels, 'status', s.statuses) },
    { ...f.errors, kind: 'counter', points: pointsBy(labels, 'code', s.errors) },
    { ...f.opened, kind: 'counter', points: one(s.connections.opened) },
    { ...f.reused, kind: 'counter', points: one(s.connections.reused) },
    { ...f.closed, kind: 'counter', points: pointsBy(labels, 'by', { server: s.connections.closedByServer, client: s.connections.closedByClient }) },
  ];
  for (const [name, familySpec] of Object.entries(RUN_HISTOGRAMS) as [LiveHistogramName, FamilySpec][]) {
    const h = s.histograms[name];
    if (STREAM_ONLY.has(name) && h.count === 0) continue;
    const point: HistogramPoint = { labels, counts: h.counts, count: h.count, sum: h.sumUs / 1e6 };
    families.push({ ...familySpec, kind: 'histogram', points: [point] });
  }
  return families;
}
