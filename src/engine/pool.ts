/**
 * The connection pool, tailgate's own rather than undici's Pool, because the knobs users compare are
 * pool-level and undici's Pool has none of them: a pool timeout (undici queues forever), a cap on idle
 * connections (httpx max_keepalive_connections), an exact idle expiry checked at checkout, and the
 * per-request anti-pattern. Each Connection is one undici Client holding at most one socket at a time.
 */
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Client } from 'undici';
import type { ClientConfig } from './config/index.js';
import { markClosedByClient, SocketFactory, type SocketListener, type TrackedSocket } from './connector.js';
import { Fifo } from './fifo.js';
import type { EngineObserver, SocketInfo } from './observer.js';

/** Something waiting for a connection: an attempt. */
export interface PoolWaiter {
  /** False once it gave up (timed out, cancelled): the pool skips it. */
  waiting: boolean;
  grant(connection: Connection): void;
}

/** A keep-alive expiry that ignores the server's hint: undici computes min(hint - threshold, max). */
const IGNORE_HINT_THRESHOLD = -1e12;
const UNDICI_HINT_THRESHOLD = 2_000;

export class Connection implements SocketListener {
  client: Client;
  /**
   * Requests it may carry at once. HTTP/1.1: pool.pipelining. HTTP/2: the configured streams capped by the
   * server's SETTINGS_MAX_CONCURRENT_STREAMS; until those settings arrive it carries one request, so that
   * requests beyond the server's limit wait in the pool (queue wait, under the pool timeout) and never in
   * the HTTP/2 session, where their wait would look like server latency.
   */
  capacity: number;
  /** An HTTP/2 connection being opened, whose server settings have not arrived: new requests wait for it. */
  awaitingSettings: boolean;
  /** The HTTP/2 stream limit is known (the server's settings arrived, or ALPN chose HTTP/1.1). */
  private limitKnown: boolean;
  /** The live socket, or null while disconnected (the Client reconnects on the next request). */
  socket: TrackedSocket | null = null;
  /** A socket still connecting, so an attempt that gives up can abort the handshake. */
  pendingSocket: Socket | null = null;
  inFlight = 0;
  /** performance.now() when inFlight last fell to 0. */
  idleSince = 0;
  /** In the pool's idle count (no request in flight, live socket). */
  countedIdle = false;
  /** On the pool's available stack. */
  stacked = false;

  constructor(
    private readonly pool: ConnectionPool,
    origin: string,
    config: ClientConfig,
    factory: SocketFactory,
    private readonly configuredCapacity: number,
  ) {
    const h2 = config.httpVersion === 2 && configuredCapacity > 1;
    this.capacity = h2 ? 1 : configuredCapacity;
    this.awaitingSettings = h2;
    this.limitKnown = !h2;
    this.client = this.newClient(origin, config, factory, configuredCapacity);
  }

  private newClient(origin: string, config: ClientConfig, factory: SocketFactory, capacity: number): Client {
    const keepAlive = Math.max(config.pool.keepAliveMs, 1);
    const client = new Client(origin, {
      connect: factory.connectorFor(this, (s) => {
        this.pendingSocket = s;
      }) as never,
      pipelining: capacity,
      keepAliveTimeout: keepAlive,
      keepAliveMaxTimeout: keepAlive,
      keepAliveTimeoutThreshold: config.pool.honorKeepAliveHint ? UNDICI_HINT_THRESHOLD : IGNORE_HINT_THRESHOLD,
      // Our own timers enforce read and write timeouts exactly; undici's are coarse.
      headersTimeout: 0,
      bodyTimeout: 0,
      allowH2: config.httpVersion === 2,
      ...(config.httpVersion === 2 ? { maxConcurrentStreams: capacity } : {}),
    });
    // Errors reach the attempts through their handlers; without a listener the Client would throw.
    client.on('connectionError', noop);
    this.replaceClient = () => {
      const old = this.client;
      this.client = this.newClient(origin, config, factory, capacity);
      void old.destroy().catch(noop);
    };
    return client;
  }

  private replaceClient: () => void = noop;

  /** Close the live socket now (idle expiry, max-idle, max-requests); the next request reconnects. */
  closeSocket(reason: string): void {
    const socket = this.socket;
    if (socket === null) return;
    markClosedByClient(socket, reason);
    this.socket = null;
    // An HTTP/2 session must be closed through its Client: undici's session-close handler throws when
    // the socket under it is destroyed first. An h1 socket can simply go; undici reconnects.
    if (socket.tailgate?.protocol === 'h2') this.replaceClient();
    else socket.destroy();
  }

  /** Close the Client and its socket for good. */
  destroy(reason: string): Promise<void> {
    this.stopAwaiting();
    if (this.socket) markClosedByClient(this.socket, reason);
    return this.client.destroy().catch(noop);
  }

  onSocketOpen(socket: Socket, info: SocketInfo): void {
    this.socket = socket as TrackedSocket;
    this.pool.observer?.onSocketOpen?.(info);
    this.pool.stats.opened++;
    if (this.limitKnown || this.configuredCapacity === 1) return;
    if (info.protocol === 'h1') this.settleCapacity(1); // ALPN chose HTTP/1.1: no multiplexing
    // undici builds the HTTP/2 session from this socket once this callback returns.
    else setImmediate(watchRemoteSettings, this, socket);
  }

  onConnectFailed(): void {
    this.stopAwaiting();
  }

  /** The server's stream limit is known: carry up to it, and let waiting requests have the new slots. */
  settleCapacity(serverLimit: number): void {
    if (this.limitKnown) return;
    this.limitKnown = true;
    this.capacity = Math.max(1, Math.min(this.configuredCapacity, serverLimit));
    this.stopAwaiting();
  }

  /** No longer holds the pool's other requests back (settings known, or the connect failed). */
  stopAwaiting(): void {
    if (!this.awaitingSettings) return;
    this.awaitingSettings = false;
    this.pool.settingsArrived(this);
  }

  onSocketClose(socket: Socket, info: SocketInfo): void {
    if (this.socket === socket) this.socket = null;
    if (info.closeReason === 'client-closed' && this.inFlight === 0) {
      // undici closed an idle socket itself: its keep-alive timer (or the server's Keep-Alive hint) ran out.
      info.closeReason = 'keepalive-expired';
    }
    if (this.countedIdle) {
      this.countedIdle = false;
      this.pool.idleCount--;
    }
    if (info.closedBy === 'server') this.pool.stats.closedByServer++;
    else this.pool.stats.closedByClient++;
    this.pool.observer?.onSocketClose?.(info);
  }
}

function noop(): void {}

/** undici keeps the HTTP/2 session on the socket under this symbol (lib/core/symbols.js). */
let sessionSymbol: symbol | undefined;
let settingsSymbol: symbol | undefined;
function findSymbol(obj: object, description: string): symbol | undefined {
  return Object.getOwnPropertySymbols(obj).find((s) => s.description === description);
}

interface H2Session {
  remoteSettings: { maxConcurrentStreams?: number };
  once(event: 'remoteSettings', fn: (settings: { maxConcurrentStreams?: number }) => void): void;
}

/** Learn the server's SETTINGS_MAX_CONCURRENT_STREAMS for an HTTP/2 connection. */
function watchRemoteSettings(conn: Connection, socket: Socket): void {
  sessionSymbol ??= findSymbol(socket, 'http2Session');
  const session = sessionSymbol ? ((socket as unknown as Record<symbol, H2Session | undefined>)[sessionSymbol] ?? null) : null;
  if (session === null) {
    // No session (the socket closed at once): stop holding other requests back.
    conn.stopAwaiting();
    return;
  }
  settingsSymbol ??= findSymbol(session, 'http2session remote settings');
  const received = settingsSymbol ? (session as unknown as Record<symbol, boolean>)[settingsSymbol] === true : false;
  const limitOf = (s: { maxConcurrentStreams?: number }) => s.maxConcurrentStreams ?? Number.POSITIVE_INFINITY;
  if (received) conn.settleCapacity(limitOf(session.remoteSettings));
  else session.once('remoteSettings', (settings) => conn.settleCapacity(limitOf(settings)));
  socket.once('close', () => conn.stopAwaiting());
}

function grantLater(waiter: PoolWaiter, conn: Connection): void {
  waiter.grant(conn);
}

export interface PoolStats {
  opened: number;
  closedByServer: number;
  closedByClient: number;
}

export class ConnectionPool {
  readonly stats: PoolStats = { opened: 0, closedByServer: 0, closedByClient: 0 };
  /** Connections with no request in flight and a live socket (for maxIdle). */
  idleCount = 0;
  /** When a connection was last released while requests waited (per-wait pool timeouts read it). */
  lastReleaseAt = 0;
  private readonly perWait: boolean;
  private readonly available: Connection[] = [];
  private readonly all = new Set<Connection>();
  private readonly waiters = new Fifo<PoolWaiter>();
  private readonly factory: SocketFactory;
  private readonly capacity: number;
  private readonly limit: number;
  /** HTTP/2 connections still waiting for the server's settings: new requests wait for them too. */
  private awaitingSettings = 0;
  private readonly perRequest: boolean;
  private closed = false;

  constructor(
    private readonly origin: string,
    private readonly config: ClientConfig,
    readonly observer: EngineObserver | undefined,
  ) {
    this.factory = new SocketFactory(config);
    this.capacity = config.pool.pipelining;
    this.limit = config.pool.connections ?? Number.POSITIVE_INFINITY;
    this.perRequest = config.pool.mode === 'per-request';
    this.perWait = config.behavior.poolTimeout === 'per-wait';
  }

  /** Connections currently open (a live socket). */
  get openConnections(): number {
    let n = 0;
    for (const c of this.all) if (c.socket) n++;
    return n;
  }

  /** Attempts waiting for a connection. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** A connection now, or null: then `waiter.grant` is called when one frees up. */
  acquire(waiter: PoolWaiter): Connection | null {
    if (this.closed) return null;
    if (this.perRequest) return this.create();
    const stack = this.available;
    while (stack.length > 0) {
      const conn = stack[stack.length - 1] as Connection;
      if (conn.inFlight >= conn.capacity) {
        // Filled up by a waiter hand-off while deeper in the stack: drop it lazily.
        stack.pop();
        conn.stacked = false;
        continue;
      }
      this.checkOut(conn);
      return conn;
    }
    // An HTTP/2 connection being opened will take many requests once its settings arrive: wait for it
    // rather than open one connection per request.
    if (this.all.size < this.limit && this.awaitingSettings === 0) return this.create();
    this.waiters.push(waiter);
    return null;
  }

  /** An HTTP/2 connection learned its capacity (or failed): hand out its slots, then open more if needed. */
  settingsArrived(conn: Connection): void {
    this.awaitingSettings--;
    if (this.closed) return;
    if (this.all.has(conn) && conn.capacity > conn.inFlight && !conn.stacked) {
      conn.stacked = true;
      this.available.push(conn);
    }
    for (;;) {
      const waiter = this.nextWaiter();
      if (!waiter) return;
      const next = this.acquire(waiter);
      if (next === null) return; // queued again (at the back: rare, only while another connection opens)
      process.nextTick(grantLater, waiter, next);
    }
  }

  private nextWaiter(): PoolWaiter | undefined {
    let waiter = this.waiters.shift();
    while (waiter && !waiter.waiting) waiter = this.waiters.shift();
    return waiter;
  }

  /** The attempt is done with the connection (undici has finished with the request). */
  release(conn: Connection): void {
    conn.inFlight--;
    if (this.perWait && this.waiters.length > 0) this.lastReleaseAt = performance.now();
    if (this.perRequest) {
      this.all.delete(conn);
      void conn.destroy('per-request');
      return;
    }
    if (this.closed) return;
    const maxRequests = this.config.pool.maxRequestsPerConnection;
    if (maxRequests !== null && conn.inFlight === 0 && conn.socket && (conn.socket.tailgate?.requestsServed ?? 0) >= maxRequests) {
      // Exact, where undici's maxRequestsPerClient lets one more request through.
      conn.closeSocket('max-requests');
    }
    if (conn.inFlight === 0) {
      conn.idleSince = performance.now();
      if (conn.socket) {
        conn.countedIdle = true;
        this.idleCount++;
      }
    }
    // Hand it straight to the longest waiter that has not given up.
    const waiter = conn.inFlight < conn.capacity ? this.nextWaiter() : undefined;
    if (waiter) {
      this.checkOut(conn);
      // Not synchronously: release runs inside undici's callbacks, and dispatching on the same Client
      // before undici has finished with its queue breaks its invariants.
      process.nextTick(grantLater, waiter, conn);
      return;
    }
    const maxIdle = this.config.pool.maxIdle;
    if (maxIdle !== null && conn.countedIdle && this.idleCount > maxIdle) {
      conn.closeSocket('max-idle');
    }
    if (!conn.stacked) {
      conn.stacked = true;
      this.available.push(conn);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    let waiter = this.waiters.shift();
    while (waiter) {
      waiter.waiting = false;
      waiter = this.waiters.shift();
    }
    const closing: Promise<void>[] = [];
    for (const conn of this.all) closing.push(conn.destroy('engine-closed'));
    this.all.clear();
    this.available.length = 0;
    await Promise.all(closing);
  }

  private create(): Connection {
    const conn = new Connection(this, this.origin, this.config, this.factory, this.capacity);
    this.all.add(conn);
    conn.inFlight = 1;
    if (conn.awaitingSettings) this.awaitingSettings++;
    if (!this.perRequest && conn.capacity > 1) {
      conn.stacked = true;
      this.available.push(conn);
    }
    return conn;
  }

  /** Take one slot of `conn` (which has spare capacity). */
  private checkOut(conn: Connection): void {
    if (conn.inFlight === 0) {
      if (conn.countedIdle) {
        conn.countedIdle = false;
        this.idleCount--;
      }
      // Exact idle expiry, decided here rather than by undici's coarse keep-alive timer.
      const keepAliveMs = this.config.pool.keepAliveMs;
      if (conn.socket && performance.now() - conn.idleSince >= keepAliveMs) conn.closeSocket('keepalive-expired');
    }
    conn.inFlight++;
    const stack = this.available;
    if (conn.inFlight >= conn.capacity && conn.stacked && stack[stack.length - 1] === conn) {
      conn.stacked = false;
      stack.pop();
    }
  }
}
