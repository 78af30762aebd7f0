/**
 * One pooled connection: an undici Client holding at most one socket at a time, with the counts the pool
 * keeps on it (requests in flight, idle since, capacity). HTTP/2 connections carry one request until the
 * server's stream limit is known (http2.ts).
 */
import type { Socket } from 'node:net';
import { Client } from 'undici';
import type { ClientConfig } from '../config/index.js';
import type { EngineObserver, SocketInfo } from '../observer.js';
import { markClosedByClient, type SocketFactory, type SocketListener, type TrackedSocket } from './connector.js';
import { watchRemoteSettings, type StreamLimitListener } from './http2.js';

export interface PoolStats {
  opened: number;
  closedByServer: number;
  closedByClient: number;
}

/** What a connection reports to its pool (the ConnectionPool). */
export interface ConnectionOwner {
  readonly observer: EngineObserver | undefined;
  readonly stats: PoolStats;
  /** Connections with no request in flight and a live socket. */
  idleCount: number;
  /** An HTTP/2 connection learned its capacity (or failed). */
  settingsArrived(conn: Connection): void;
}

/** A keep-alive expiry that ignores the server's hint: undici computes min(hint - threshold, max). */
const IGNORE_HINT_THRESHOLD = -1e12;
/** undici's keepAliveTimeoutThreshold default (lib/dispatcher/client.js). */
const UNDICI_HINT_THRESHOLD = 2_000;

/** Where undici keeps a Client's current keep-alive (its default, or what the last response's hint set). */
let keepAliveValueSymbol: symbol | undefined;
function undiciKeepAliveMs(client: Client): number {
  keepAliveValueSymbol ??= Object.getOwnPropertySymbols(client).find((s) => s.description === 'keep alive timeout');
  return (client as unknown as Record<symbol, number>)[keepAliveValueSymbol as symbol] ?? 0;
}

export class Connection implements SocketListener, StreamLimitListener {
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
  /**
   * Requests in flight above which a new one is refused, not sent: the server's HTTP/2 stream limit where
   * the client ignores it (behavior.h2Streams `ignore-server-limit`, httpcore 0.16); else Infinity.
   */
  refuseAbove = Number.POSITIVE_INFINITY;
  /** How long an idle connection may be kept (pool.honorKeepAliveHint: what undici's last response set). */
  readonly keepAliveMs: () => number;
  private readonly ignoresServerLimit: boolean;
  private readonly clientLimit: boolean;

  constructor(
    private readonly pool: ConnectionOwner,
    origin: string,
    config: ClientConfig,
    factory: SocketFactory,
    private readonly configuredCapacity: number,
  ) {
    const h2 = config.httpVersion === 2 && configuredCapacity > 1;
    this.capacity = h2 ? 1 : configuredCapacity;
    this.awaitingSettings = h2;
    this.limitKnown = !h2;
    this.ignoresServerLimit = config.behavior.h2Streams === 'ignore-server-limit';
    this.clientLimit = config.behavior.h2Streams === 'client-limit';
    this.client = this.newClient(origin, config, factory, configuredCapacity);
    const fixed = config.pool.keepAliveMs;
    // keepAliveMs 0 means no keep-alive at all (undici's own timer cannot go below 1 ms).
    this.keepAliveMs = config.pool.honorKeepAliveHint && fixed > 0 ? () => undiciKeepAliveMs(this.client) : () => fixed;
  }

  private newClient(origin: string, config: ClientConfig, factory: SocketFactory, capacity: number): Client {
    const keepAlive = Math.max(config.pool.keepAliveMs, 1);
    const client = new Client(origin, {
      connect: factory.connectorFor(this, (s) => {
        this.pendingSocket = s;
      }) as never,
      pipelining: capacity,
      keepAliveTimeout: keepAlive,
      // A hint may lengthen keep-alive up to keepAliveMaxMs (undici: min(hint - 2 s, keepAliveMaxTimeout)).
      keepAliveMaxTimeout: config.pool.honorKeepAliveHint ? (config.pool.keepAliveMaxMs ?? keepAlive) : keepAlive,
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
    // No longer idle from now on, not from its close event: the next release in this same tick counts without it.
    if (this.countedIdle) {
      this.countedIdle = false;
      this.pool.idleCount--;
    }
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
    // undici's own limit is its pipelining; the server's settings only queue streams in the session.
    else if (this.clientLimit) this.settleCapacity(Number.POSITIVE_INFINITY);
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
    if (this.ignoresServerLimit) {
      // httpcore 0.16 opens streams up to its own limit; the server refuses those beyond its own.
      this.capacity = this.configuredCapacity;
      this.refuseAbove = serverLimit;
    } else this.capacity = Math.max(1, Math.min(this.configuredCapacity, serverLimit));
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
