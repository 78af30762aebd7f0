/**
 * Connection accounting: what each connection counts in the stats from accept to close, who closed it,
 * its idle timer, and how the faults kill it. The listener decides when; this says what it means.
 */
import http2 from 'node:http2';
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Conn, MockState, Req } from './state.js';
import { bump } from './stats.js';

/** Count an accepted connection in and start its idle timer. */
export function acceptConnection(state: MockState, socket: net.Socket): Conn {
  const counts = state.stats.connections;
  const conn: Conn = {
    socket,
    session: null,
    requests: 0,
    inFlight: 0,
    idleTimer: null,
    idleTimerMs: 0,
    lastResponseEndAt: performance.now(),
    closedByServer: false,
    clientFinished: false,
    admin: false,
    maxOpenBefore: counts.maxOpen,
  };
  armIdleTimer(state, conn);
  state.conns.add(conn);
  state.connBySocket.set(socket, conn);
  counts.accepted++;
  bump(counts.byRemotePort, String(socket.remotePort));
  counts.open++;
  if (counts.open > counts.maxOpen) counts.maxOpen = counts.open;
  state.watch?.opened(conn);
  return conn;
}

/**
 * Watch who ends the connection, and count it out when it closes. `onCountedClose` runs after a
 * counted (non-admin) connection closed, when the open count has changed.
 */
export function watchConnection(state: MockState, conn: Conn, onCountedClose: () => void): void {
  const { socket } = conn;
  socket.on('end', () => {
    conn.clientFinished = true;
  });
  socket.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'ECONNRESET' && !conn.closedByServer) conn.clientFinished = true;
  });
  socket.on('close', () => {
    if (conn.idleTimer) clearTimeout(conn.idleTimer);
    state.conns.delete(conn);
    if (conn.admin) return;
    const counts = state.stats.connections;
    counts.open--;
    if (conn.clientFinished && !conn.closedByServer) counts.closedByClient++;
    else counts.closedByServer++;
    state.watch?.closed(conn);
    onCountedClose();
  });
}

/** The HTTP/2 session that took over a connection: its streams belong to that connection. */
export function attachSession(state: MockState, conn: Conn, session: http2.Http2Session): void {
  state.connBySession.set(session, conn);
  conn.session = session;
}

export function connectionOf(state: MockState, req: Req): Conn | undefined {
  if ('stream' in req) return state.connBySession.get(req.stream.session as http2.Http2Session);
  return state.connBySocket.get(req.socket);
}

/**
 * A connection whose first request is to the admin API is not traffic under test: take it back out of
 * the counts (and so out of the capacity). Returns whether the open count changed.
 */
export function uncountAdmin(state: MockState, conn: Conn): boolean {
  if (conn.admin || conn.requests > 0) return false;
  conn.admin = true;
  stopIdleTimer(conn);
  const counts = state.stats.connections;
  counts.accepted--;
  const port = String(conn.socket.remotePort);
  if ((counts.byRemotePort[port] ?? 0) > 1) counts.byRemotePort[port]!--;
  else delete counts.byRemotePort[port];
  counts.open--;
  if (conn.session) counts.http2--;
  counts.maxOpen = Math.max(conn.maxOpenBefore, counts.open);
  return true;
}

/**
 * (Re)start the idle timer: the connection is closed once idle for the faults' idleTimeoutMs. The
 * connection's one timer is re-armed in place (refresh(): no new Timeout per request) unless the
 * faults changed its length.
 */
export function armIdleTimer(state: MockState, conn: Conn): void {
  const ms = state.faults.config.idleTimeoutMs;
  if (conn.idleTimer && conn.idleTimerMs === ms) {
    conn.idleTimer.refresh();
    return;
  }
  if (conn.idleTimer) clearTimeout(conn.idleTimer);
  conn.idleTimer = setTimeout(closeIdle, ms, conn);
  conn.idleTimerMs = ms;
}

export function stopIdleTimer(conn: Conn): void {
  if (conn.idleTimer) clearTimeout(conn.idleTimer);
  conn.idleTimer = null;
}

/** A request under way keeps the connection (the timer is re-armed when the last one ends). */
function closeIdle(conn: Conn): void {
  if (conn.inFlight > 0 || conn.admin) return;
  conn.closedByServer = true;
  if (conn.session) conn.session.close();
  else conn.socket.destroy();
}

/**
 * Close the request's connection, counted as closed by the server: reset (RST) or a plain close. On
 * HTTP/2 a reset resets the request's stream; a close destroys the whole session.
 */
export function killConnection(conn: Conn | undefined, req: Req, rst: boolean): void {
  if (conn) conn.closedByServer = true;
  if ('stream' in req) {
    if (rst) req.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    else req.stream.session?.destroy();
    return;
  }
  const socket = conn?.socket ?? req.socket;
  if (rst) resetSocket(socket);
  else socket.destroy();
}

/**
 * Close with a reset (RST). Under TLS the reset goes to the TCP socket beneath: node refuses
 * resetAndDestroy on a TLS socket, and resetting the TCP socket's wrapper under a live TLS one crashes.
 */
export function resetSocket(socket: net.Socket): void {
  const tcp = (socket as net.Socket & { _parent?: { _handle?: { reset?: () => void } | null } })._parent?._handle;
  if (tcp?.reset) {
    tcp.reset();
    socket.destroy();
  } else socket.resetAndDestroy();
}

/** Shutdown: every connection, admin ones included, is closed by the server. */
export function closeAllConnections(state: MockState): void {
  for (const conn of state.conns) {
    conn.closedByServer = true;
    conn.socket.destroy();
  }
}
