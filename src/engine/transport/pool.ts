/**
 * The connection pool, tailgate's own rather than undici's Pool, because the knobs users compare are
 * pool-level and undici's Pool has none of them: a pool timeout (undici queues forever), a cap on idle
 * connections (httpx max_keepalive_connections), an exact idle expiry checked at checkout, and the
 * per-request anti-pattern. Each Connection (connection.ts) is one undici Client holding at most one
 * socket at a time.
 */
import { performance } from 'node:perf_hooks';
import type { ClientConfig } from '../config/index.js';
import type { EngineObserver } from '../observer.js';
import { Fifo } from '../../util/index.js';
import { Connection, type ConnectionOwner, type PoolStats } from './connection.js';
import { SocketFactory } from './connector.js';

/** Something waiting for a connection: an attempt. */
export interface PoolWaiter {
  /** False once it gave up (timed out, cancelled): the pool skips it. */
  waiting: boolean;
  /** Shares a connection with at most one other request, written after it (a POST, where behavior.multiplex is `idempotent`). */
  readonly exclusive: boolean;
  grant(connection: Connection): void;
}

function grantLater(waiter: PoolWaiter, conn: Connection): void {
  waiter.grant(conn);
}

/**
 * pool.reuse `next-turn`: connections freed during one turn, offered again together from one setImmediate
 * (each as its own setImmediate would: in the check phase of the same loop turn, in the order freed).
 * Outside undici's callbacks there, so a waiter is granted its connection at once.
 */
function offerFreed(pool: ConnectionPool): void {
  const freed = pool.freed;
  pool.freed = [];
  for (const conn of freed) pool.offer(conn, 0, true);
}

/**
 * The connections pool.maxIdle is compared with, per PoolConfig.idlePolicy: the idle ones only, or (as
 * httpcore's `_close_expired_connections`) the whole pool, busy and idle together.
 */
const KEPT_COUNT: Record<ClientConfig['pool']['idlePolicy'], (pool: ConnectionPool) => number> = {
  'idle-count': (pool) => pool.idleCount,
  'pool-size': (pool) => pool.idleCount + pool.busyCount,
};

export class ConnectionPool implements ConnectionOwner {
  readonly stats: PoolStats = { opened: 0, closedByServer: 0, closedByClient: 0 };
  /** Connections with no request in flight and a live socket (for maxIdle). */
  idleCount = 0;
  /** Connections with a request in flight (or connecting for one). */
  busyCount = 0;
  /** When a connection was last released while requests waited (per-wait pool timeouts read it). */
  lastReleaseAt = 0;
  /** pool.reuse `next-turn`: connections freed this turn, to be offered from one setImmediate (offerFreed). */
  freed: Connection[] = [];
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
  private readonly keptCount: (pool: ConnectionPool) => number;
  /** pool.reuse `next-turn`: a freed connection is offered again after setImmediate, as undici's. */
  private readonly nextTurn: boolean;
  /** behavior.h2Streams `client-limit`: no request waits for a new HTTP/2 connection's settings. */
  private readonly eagerH2: boolean;
  /** A connection that served this many requests is closed (pool.maxRequestsPerConnection as its rule counts). */
  private readonly maxRequests: number | null;
  private closed = false;

  constructor(
    private readonly origin: string,
    private readonly config: ClientConfig,
    readonly observer: EngineObserver | undefined,
    ca?: string | Buffer,
  ) {
    this.factory = new SocketFactory(config, ca);
    this.capacity = config.pool.pipelining;
    this.limit = config.pool.connections ?? Number.POSITIVE_INFINITY;
    this.perRequest = config.pool.mode === 'per-request';
    this.perWait = config.behavior.poolTimeout === 'per-wait';
    this.keptCount = KEPT_COUNT[config.pool.idlePolicy];
    this.nextTurn = config.pool.reuse === 'next-turn';
    this.eagerH2 = config.behavior.h2Streams === 'client-limit';
    const max = config.pool.maxRequestsPerConnection;
    // undici's writeH1 compares its counter with maxRequestsPerClient before adding the request.
    this.maxRequests = max === null ? null : config.pool.maxRequestsRule === 'undici' ? max + 1 : max;
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

  /**
   * A connection now, or null: then `waiter.grant` is called when one frees up. `now` is the caller's
   * performance.now() reading when it has one (0: read it here if needed).
   */
  acquire(waiter: PoolWaiter, now = 0): Connection | null {
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
      const free = waiter.exclusive && conn.inFlight > 1 ? this.postSlot() : conn;
      if (free === null) break;
      this.checkOut(free, now);
      return free;
    }
    // An HTTP/2 connection being opened will take many requests once its settings arrive: wait for it
    // rather than open one connection per request (unless this request cannot share one anyway).
    if (this.all.size < this.limit && (this.awaitingSettings === 0 || waiter.exclusive || this.eagerH2)) return this.create();
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

  /**
   * A connection undici would take a POST on: its Pool hands a request to a client with nothing pending,
   * where the POST then waits for the one request in flight (client-h1/h2 busy()); a client with a request
   * pending is busy. So: at most one request in flight.
   */
  private postSlot(): Connection | null {
    const stack = this.available;
    for (let i = stack.length - 1; i >= 0; i--) if ((stack[i] as Connection).inFlight <= 1) return stack[i] as Connection;
    return null;
  }

  private nextWaiter(): PoolWaiter | undefined {
    let waiter = this.waiters.shift();
    while (waiter && !waiter.waiting) waiter = this.waiters.shift();
    return waiter;
  }

  /** The attempt is done with the connection (undici has finished with the request); `now` as in acquire(). */
  release(conn: Connection, now = 0): void {
    if (--conn.inFlight === 0) this.busyCount--;
    if (this.perWait && this.waiters.length > 0) this.lastReleaseAt = now || performance.now();
    if (this.perRequest) {
      this.all.delete(conn);
      void conn.destroy('per-request');
      return;
    }
    if (this.closed) return;
    const maxRequests = this.maxRequests;
    if (maxRequests !== null && conn.inFlight === 0 && conn.socket && (conn.socket.tailgate?.requestsServed ?? 0) >= maxRequests) {
      conn.closeSocket('max-requests');
    }
    if (conn.inFlight === 0) {
      conn.idleSince = now || performance.now();
      if (conn.socket) {
        conn.countedIdle = true;
        this.idleCount++;
      }
    }
    // undici's client takes its next request only a full event-loop turn after a response (client-h1
    // onMessageComplete: setImmediate(resume)); until then its Pool sends new requests elsewhere.
    if (this.nextTurn && conn.capacity === 1) {
      if (this.freed.push(conn) === 1) setImmediate(offerFreed, this);
    } else this.offer(conn, now);
  }

  /**
   * A freed connection: to the longest waiter that has not given up, else kept (or closed) for the next
   * request. `outsideUndici`: called from no undici callback, so the waiter may be granted at once.
   */
  offer(conn: Connection, now = 0, outsideUndici = false): void {
    if (this.closed) return;
    const waiter = conn.inFlight < conn.capacity ? this.nextWaiter() : undefined;
    if (waiter) {
      this.checkOut(conn, now);
      // Not synchronously from release: it runs inside undici's callbacks, and dispatching on the same
      // Client before undici has finished with its queue breaks its invariants.
      if (outsideUndici) waiter.grant(conn);
      else process.nextTick(grantLater, waiter, conn);
      return;
    }
    const maxIdle = this.config.pool.maxIdle;
    if (maxIdle !== null && conn.countedIdle && this.keptCount(this) > maxIdle) {
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
    this.busyCount++;
    if (conn.awaitingSettings) this.awaitingSettings++;
    if (!this.perRequest && conn.capacity > 1) {
      conn.stacked = true;
      this.available.push(conn);
    }
    return conn;
  }

  /** Take one slot of `conn` (which has spare capacity). */
  private checkOut(conn: Connection, now: number): void {
    if (conn.inFlight === 0) {
      this.busyCount++;
      if (conn.countedIdle) {
        conn.countedIdle = false;
        this.idleCount--;
      }
      // Exact idle expiry, decided here as well as by undici's keep-alive timer (which may fire late).
      if (conn.socket && (now || performance.now()) - conn.idleSince >= conn.keepAliveMs()) conn.closeSocket('keepalive-expired');
    }
    conn.inFlight++;
    const stack = this.available;
    if (conn.inFlight >= conn.capacity && conn.stacked && stack[stack.length - 1] === conn) {
      conn.stacked = false;
      stack.pop();
    }
  }
}
