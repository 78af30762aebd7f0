/**
 * Writing answers: the status line and headers (with the keep-alive policy of the faults), and every
 * way a body can go out: whole, slowly, stalled, truncated, malformed (streams: llm-answer.ts). Each
 * answer's status is counted in the stats when its headers are written.
 */
import { performance } from 'node:perf_hooks';
import { killConnection } from './connections.js';
import { bump } from './stats.js';
import type { Conn, MockState, Req, Res } from './state.js';
import { atTime } from './timing.js';

/** Where an answer goes: the request (its Connection header), its response, its connection. */
export interface Reply {
  req: Req;
  res: Res;
  conn: Conn | undefined;
  isH2: boolean;
}

/** Status line and headers, with the keep-alive policy of the faults (HTTP/1.1 only). */
export function writeHead(state: MockState, to: Reply, status: number, headers: Record<string, string>): void {
  bump(state.stats.requests.byStatus, String(status));
  if (to.isH2) {
    delete headers.connection; // connection-specific headers are forbidden in HTTP/2
    to.res.writeHead(status, headers);
    return;
  }
  const { maxRequestsPerConnection } = state.faults.config;
  const lastAllowed = maxRequestsPerConnection !== null && to.conn !== undefined && to.conn.requests >= maxRequestsPerConnection;
  if (headers.connection === 'close' || lastAllowed) {
    headers.connection = 'close';
    if (to.conn) to.conn.closedByServer = true;
    // Counted whenever the limit is set, even when the answer itself asked to close (a 413).
    if (maxRequestsPerConnection !== null) bump(state.stats.faults, 'close_after_requests');
  } else if (to.req.headers.connection !== 'close') {
    // Setting Connection ourselves stops node:http adding its own Keep-Alive hint, so the fault decides it.
    headers.connection = 'keep-alive';
    const { keepAliveHeader } = state.faults;
    if (keepAliveHeader !== null) headers['keep-alive'] = keepAliveHeader;
  }
  to.res.writeHead(status, headers);
}

/** A body's headers: JSON unless `extra` (an upstream's own headers, through the proxy) says otherwise. */
function jsonHeaders(payload: Buffer, extra?: Record<string, string>): Record<string, string> {
  if (extra === undefined) return { 'content-type': 'application/json', 'content-length': String(payload.length) };
  return { 'content-type': 'application/json', ...extra, 'content-length': String(payload.length) };
}

/** A JSON answer, whole (errors, refusals and injected statuses: never shaped by body faults). */
export function sendJson(state: MockState, to: Reply, status: number, json: unknown, headers: Record<string, string> = {}): void {
  const payload = Buffer.from(JSON.stringify(json));
  writeHead(state, to, status, jsonHeaders(payload, headers));
  to.res.end(payload);
}

/** A JSON body the endpoint produced (or an upstream's body, with its headers), sent whole. */
export function sendWhole(state: MockState, to: Reply, status: number, payload: Buffer, headers?: Record<string, string>): void {
  writeHead(state, to, status, jsonHeaders(payload, headers));
  to.res.end(payload);
}

/** Headers announcing the body's length, and then nothing: the body never comes. */
export function sendHeadersOnly(state: MockState, to: Reply, status: number, payload: Buffer, headers?: Record<string, string>): void {
  writeHead(state, to, status, jsonHeaders(payload, headers));
  to.res.flushHeaders?.();
}

/** Half the announced body, then the connection closes under it. */
export function sendTruncated(state: MockState, to: Reply, status: number, payload: Buffer, headers?: Record<string, string>): void {
  writeHead(state, to, status, jsonHeaders(payload, headers));
  to.res.write(payload.subarray(0, Math.floor(payload.length / 2)));
  setTimeout(() => killConnection(to.conn, to.req, false), 5);
}

/**
 * The body in N chunks over T: each sent T/N after the one before, the last at T (a body shorter than N
 * bytes goes a byte at a time, still ending at T).
 */
export function sendSlowly(state: MockState, to: Reply, status: number, payload: Buffer, pace: { chunks: number; ms: number }, headers?: Record<string, string>): void {
  const { res } = to;
  writeHead(state, to, status, jsonHeaders(payload, headers));
  res.flushHeaders?.();
  const chunks = Math.max(1, Math.min(pace.chunks, payload.length));
  const started = performance.now();
  let i = 0;
  const tick = () => {
    if (res.destroyed) return;
    const from = Math.floor((i * payload.length) / chunks);
    const until = Math.floor(((i + 1) * payload.length) / chunks);
    i++;
    if (i >= chunks) res.end(payload.subarray(from, until));
    else {
      res.write(payload.subarray(from, until));
      atTime(started + ((i + 1) * pace.ms) / chunks, tick);
    }
  };
  atTime(started + pace.ms / chunks, tick);
}

/** JSON no parser accepts: cut in half, then a NUL and a closing brace. */
export function malformed(text: string): string {
  return text.slice(0, Math.max(1, Math.floor(text.length / 2))) + '\u0000}';
}
