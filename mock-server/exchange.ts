/**
 * One request under test, from arrival to the end of its response: how it counts in the stats and in
 * its connection's bookkeeping, and what every fault step needs to know about it.
 */
import { performance } from 'node:perf_hooks';
import { armIdleTimer } from './connections.js';
import { RequestFaults } from './request-faults.js';
import type { Reply } from './responders.js';
import { bump, type MockStats } from './stats.js';
import type { Conn, MockState, Req, Res } from './state.js';

export interface Exchange extends Reply {
  /** The request target as sent, query included (fault rules match it). */
  readonly path: string;
  /** The path without its query: what the stats count and the endpoints are found by. */
  readonly route: string;
  /** performance.now() on arrival: the service time counts from here. */
  readonly arrivedAt: number;
  /** The connection had served a request before this one. */
  readonly reused: boolean;
  /** How long the connection sat idle before this request. */
  readonly idleMs: number;
  readonly faults: RequestFaults;
  /** The request is over (idempotent): frees its in-flight place, lets its connection idle. */
  readonly finish: () => void;
}

/** The attempt label at the end of an x-request-id (tailgate sends `<prefix>-<n>-primary`, `-hedge`, `-retry<k>`). */
const ATTEMPT_KIND = /(?:^|[-:_.])(primary|hedge|retry)(?:[-:_.]?\d+)?$/;

/** Count a request in and start its exchange; it finishes when its response closes. */
export function openExchange(state: MockState, req: Req, res: Res, conn: Conn | undefined): Exchange {
  const arrivedAt = performance.now();
  const reused = conn !== undefined && conn.requests > 0;
  const idleMs = conn ? arrivedAt - conn.lastResponseEndAt : 0;
  if (conn) {
    conn.requests++;
    conn.inFlight++;
  }
  const path = req.url ?? '/';
  const query = path.indexOf('?');
  const route = query === -1 ? path : path.slice(0, query);
  countRequest(state.stats, req, route, reused);
  const finish = finisher(state, conn);
  res.on('close', finish);
  const faults = new RequestFaults(state, path, req.headers);
  return { req, res, conn, isH2: 'stream' in req, path, route, arrivedAt, reused, idleMs, faults, finish };
}

function countRequest(stats: MockStats, req: Req, route: string, reused: boolean): void {
  const requests = stats.requests;
  requests.total++;
  if (reused) requests.onReusedConnection++;
  bump(requests.byPath, route);
  const requestId = req.headers['x-request-id'];
  const kind = typeof requestId === 'string' ? ATTEMPT_KIND.exec(requestId)?.[1] : undefined;
  if (kind) bump(requests.byAttemptKind, kind);
  requests.inFlight++;
  if (requests.inFlight > requests.maxInFlight) requests.maxInFlight = requests.inFlight;
}

/** The end of a request, once: out of flight, and its connection's idle timer starts when it was the last. */
function finisher(state: MockState, conn: Conn | undefined): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    // Through the state: a reset() during the request replaced the stats it was counted in.
    state.stats.requests.inFlight--;
    if (conn) {
      conn.lastResponseEndAt = performance.now();
      if (--conn.inFlight === 0 && !conn.socket.destroyed) armIdleTimer(state, conn);
    }
  };
}
