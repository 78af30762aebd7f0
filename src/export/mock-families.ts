/** The mock's own counts as series (`tailgate mock --metrics-port`, `--export`): what the server saw, beside what the client measured. */
import type { MockStats } from '../../mock-server/index.js';
import { pointsBy, type Family, type FamilySpec, type Labels } from './families.js';

const spec = (otelName: string, unit: string, help: string): FamilySpec => ({ otelName, unit, help });

export const MOCK_FAMILIES = {
  accepted: spec('tailgate.mock.connections.accepted', '{connection}', 'Connections the mock accepted.'),
  closed: spec('tailgate.mock.connections.closed', '{connection}', 'Connections closed, by which side closed them: server or client.'),
  rejected: spec('tailgate.mock.connections.rejected', '{connection}', 'Connections refused at accept time by the capacity fault.'),
  open: spec('tailgate.mock.connections.open', '{connection}', 'Connections open now.'),
  requests: spec('tailgate.mock.requests', '{request}', 'Requests the mock received (its admin API not counted).'),
  responses: spec('tailgate.mock.responses', '{response}', 'Responses by HTTP status (counted when the headers are sent).'),
  attempts: spec('tailgate.mock.attempts', '{request}', 'Requests by the attempt label in their request id (primary, hedge, retry), when present.'),
  reused: spec('tailgate.mock.requests.reused_connection', '{request}', 'Requests that came on a connection that had served one before.'),
  inFlight: spec('tailgate.mock.requests.in_flight', '{request}', 'Requests in flight now.'),
  faults: spec('tailgate.mock.faults', '{fault}', 'Faults injected, by kind.'),
  tokensOut: spec('tailgate.mock.tokens.out', '{token}', 'Completion tokens sent.'),
  sequences: spec('tailgate.mock.sequences.active', '{sequence}', 'Completion sequences generating now.'),
  queued: spec('tailgate.mock.sequences.queued', '{sequence}', 'Completion sequences waiting for a place now.'),
} as const;

/** A reset (the admin API, or between a run's profiles) starts the counters again: a counter reset to Prometheus. */
export function mockFamilies(s: Readonly<MockStats>, labels: Labels): Family[] {
  const one = (value: number) => [{ labels, value }];
  const f = MOCK_FAMILIES;
  const { connections: c, requests: r } = s;
  return [
    { ...f.accepted, kind: 'counter', points: one(c.accepted) },
    { ...f.closed, kind: 'counter', points: pointsBy(labels, 'by', { server: c.closedByServer, client: c.closedByClient }) },
    { ...f.rejected, kind: 'counter', points: one(c.rejected) },
    { ...f.open, kind: 'gauge', points: one(c.open) },
    { ...f.requests, kind: 'counter', points: one(r.total) },
    { ...f.responses, kind: 'counter', points: pointsBy(labels, 'status', r.byStatus) },
    { ...f.attempts, kind: 'counter', points: pointsBy(labels, 'kind', r.byAttemptKind) },
    { ...f.reused, kind: 'counter', points: one(r.onReusedConnection) },
    { ...f.inFlight, kind: 'gauge', points: one(r.inFlight) },
    { ...f.faults, kind: 'counter', points: pointsBy(labels, 'kind', s.faults) },
    { ...f.tokensOut, kind: 'counter', points: one(r.tokensOut) },
    { ...f.sequences, kind: 'gauge', points: one(s.sequences.active) },
    { ...f.queued, kind: 'gauge', points: one(s.sequences.queued) },
  ];
}
