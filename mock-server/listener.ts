/**
 * The listening side: one TCP listener serving HTTP/1.1 and h2c (HTTP/2 with prior knowledge, told
 * apart by the connection preface), with the capacity faults applied at accept time (reset, or the
 * backlog gate), the down windows, and the split of admin API requests from the traffic under test.
 */
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { isAdminPath } from './admin.js';
import { BacklogGate } from './backlog-gate.js';
import { acceptConnection, attachSession, closeAllConnections, connectionOf, resetSocket, uncountAdmin, watchConnection } from './connections.js';
import { DownWindows } from './down-windows.js';
import { bump } from './stats.js';
import type { Conn, MockState, Req, Res } from './state.js';

export interface RequestHandlers {
  /** A request under /__tailgate/. */
  admin(req: Req, res: Res, conn: Conn | undefined): void;
  /** A request under test. */
  traffic(req: Req, res: Res, conn: Conn | undefined): void;
}

const H2_PREFACE = 'PRI * HTTP/2.0';
const BAD_REQUEST = 'HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n';
const HEADERS_TOO_LARGE = 'HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 0\r\n\r\n';

export class Listener {
  private readonly h1: http.Server;
  private readonly h2: http2.Http2Server;
  private readonly gate = new BacklogGate();
  private readonly downWindows: DownWindows;
  /** Replaced whenever the port is listened on again (after a down window, or the gate reopening). */
  private front: net.Server;
  private port = 0;
  /** The connection being handed to the HTTP/2 server, whose 'session' event comes synchronously. */
  private handingOver: Conn | null = null;

  constructor(
    private readonly state: MockState,
    private readonly handlers: RequestHandlers,
  ) {
    this.h1 = http.createServer({ requestTimeout: state.settings.requestTimeoutMs, headersTimeout: 60_000, maxHeaderSize: 64 * 1024 }, (req, res) => this.route(req, res));
    // Idle connections are closed by our own exact timer (connections.ts): node 20's keepAliveTimeout
    // closes a second later than the Keep-Alive hint it advertises.
    this.h1.keepAliveTimeout = 0;
    this.h1.on('clientError', (err: NodeJS.ErrnoException, socket: net.Socket) => this.malformedRequest(err, socket));
    this.h2 = http2.createServer({}, (req, res) => this.route(req, res as unknown as Res));
    this.h2.on('session', (session) => {
      if (this.handingOver) attachSession(this.state, this.handingOver, session);
      session.on('error', () => {});
    });
    this.downWindows = new DownWindows({
      windowStarts: () => bump(this.state.stats.faults, 'listener_down'),
      close: () => this.front.close(),
      reopen: () => this.reopen(),
    });
    this.front = this.newFront();
  }

  /** Listen on the configured port (0 = any free one) and start the down-window schedule. */
  async listen(): Promise<number> {
    const { port, host, backlog } = this.state.settings;
    this.port = await new Promise<number>((resolve, reject) => {
      this.front.once('error', reject);
      this.front.listen({ port, host, backlog }, () => resolve((this.front.address() as net.AddressInfo).port));
    });
    this.downWindows.schedule(this.state.faults.config.down);
    return this.port;
  }

  /** New faults: a new down-window schedule, and the capacity may have changed. */
  faultsChanged(): void {
    this.downWindows.schedule(this.state.faults.config.down);
    this.updateGate();
  }

  /** Stop listening and close every connection (state.closing is already set). */
  async close(): Promise<void> {
    this.downWindows.cancel();
    await this.gate.unblock();
    closeAllConnections(this.state);
    await new Promise<void>((resolve) => {
      if (!this.front.listening) return resolve();
      this.front.close(() => resolve());
    });
    this.h1.close();
    this.h2.close();
  }

  /** The listening socket: plain TCP, or TLS offering h2 and http/1.1 by ALPN (the first bytes decide either way). */
  private newFront(): net.Server {
    const secure = this.state.settings.tls;
    if (!secure) return net.createServer({ noDelay: true }, (socket) => this.accept(socket));
    const server = tls.createServer({ ...secure, ALPNProtocols: ['h2', 'http/1.1'], noDelay: true }, (socket) => this.accept(socket));
    // A failed handshake (a client that does not trust the certificate) is that client's problem only.
    server.on('tlsClientError', () => {});
    return server;
  }

  private accept(socket: net.Socket): void {
    if (this.refuseOverCapacity(socket)) return;
    const conn = acceptConnection(this.state, socket);
    this.updateGate();
    watchConnection(this.state, conn, () => this.updateGate());
    socket.once('data', (first: Buffer) => this.handOver(conn, first));
  }

  /**
   * In reset mode a connection beyond maxConnections is reset at once. (In backlog mode the gate stops
   * accepting at capacity instead, and what was already queued is accepted and served late, as by a
   * saturated server.)
   */
  private refuseOverCapacity(socket: net.Socket): boolean {
    const { capacity } = this.state.faults.config;
    const counts = this.state.stats.connections;
    if (capacity.onExceed !== 'reset' || capacity.maxConnections === null || counts.open < capacity.maxConnections) return false;
    counts.rejected++;
    bump(this.state.stats.faults, 'capacity_reset');
    socket.on('error', () => {});
    resetSocket(socket);
    return true;
  }

  /** The first bytes say which protocol the connection speaks: hand it to that server, bytes unread. */
  private handOver(conn: Conn, first: Buffer): void {
    const { socket } = conn;
    socket.pause();
    socket.unshift(first);
    if (first.subarray(0, H2_PREFACE.length).toString('latin1') === H2_PREFACE) {
      this.state.stats.connections.http2++;
      this.handingOver = conn;
      // The session reads the unshifted preface itself (socket.read()); resuming would drain it away.
      this.h2.emit('connection', socket);
      this.handingOver = null;
    } else {
      this.h1.emit('connection', socket);
      socket.resume();
    }
  }

  private route(req: Req, res: Res): void {
    const conn = connectionOf(this.state, req);
    if (!isAdminPath(req.url ?? '/')) return this.handlers.traffic(req, res, conn);
    // An admin connection takes no capacity slot, so taking it out may reopen the gate.
    if (this.state.settings.adminEnabled && conn && uncountAdmin(this.state, conn)) this.updateGate();
    this.handlers.admin(req, res, conn);
  }

  /** Malformed HTTP: answer 400 (431 for headers past the limit) if the socket can still take it, and keep serving everyone else. */
  private malformedRequest(err: NodeJS.ErrnoException, socket: net.Socket): void {
    bump(this.state.stats.faults, 'malformed_request_received');
    if (socket.writable && err.code !== 'ECONNRESET') {
      // A request whose body turned out malformed was already counted: count its answer too.
      const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
      if ((this.state.connBySocket.get(socket)?.inFlight ?? 0) > 0) bump(this.state.stats.requests.byStatus, tooLarge ? '431' : '400');
      socket.end(tooLarge ? HEADERS_TOO_LARGE : BAD_REQUEST);
    } else socket.destroy();
  }

  /** Stop accepting (backlog fills, clients time out connecting) while over capacity in `backlog` mode. */
  private updateGate(): void {
    const { capacity } = this.state.faults.config;
    const full = capacity.onExceed === 'backlog' && capacity.maxConnections !== null && this.state.stats.connections.open >= capacity.maxConnections;
    if (full && !this.gate.blocked) {
      bump(this.state.stats.faults, 'capacity_backlog');
      void this.gate.block(this.front);
    } else if (!full && this.gate.blocked && !this.state.closing) void this.gate.unblock((handle) => this.listenOnHandle(handle));
  }

  /** Open the port again after a down window. */
  private reopen(): void {
    if (this.state.closing) return;
    this.front = this.newFront();
    this.front.on('error', () => {});
    const { host, backlog } = this.state.settings;
    this.front.listen({ port: this.port, host, backlog });
  }

  /** Listen again on the socket the backlog gate held: the connections it queued are accepted now. */
  private listenOnHandle(handle: object): void {
    this.front = this.newFront();
    this.front.on('error', () => {});
    this.front.listen(handle as net.ListenOptions, this.state.settings.backlog);
    if (this.state.closing) this.front.close();
  }
}
