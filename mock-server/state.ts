/**
 * The one mutable state a mock server has, shared by every part of it (listener, fault pipeline,
 * responders, admin API). `stats` and `faults` are replaced whole (reset(), setFaults()), so every part
 * reads them through the state at the moment it needs them and never keeps them.
 */
import type http from 'node:http';
import type http2 from 'node:http2';
import type net from 'node:net';
import { ActiveFaults } from './active-faults.js';
import type { EndpointOptions } from './endpoints.js';
import type { FaultConfig } from './faults.js';
import { SequenceSlots } from './sequence-slots.js';
import { emptyStats, type MockStats } from './stats.js';
import { WorkerSlots } from './worker-slots.js';

export type Req = http.IncomingMessage | http2.Http2ServerRequest;
/** The HTTP/2 compatibility response is used through the same surface as the HTTP/1.1 one. */
export type Res = http.ServerResponse;

/** What the mock knows about one connection. */
export interface Conn {
  socket: net.Socket;
  session: http2.Http2Session | null;
  requests: number;
  inFlight: number;
  /**
   * Closes the connection once idle for idleTimeoutMs (node:http's own timer runs a second late). It
   * stays armed while a request is under way (it then does nothing) and is re-armed as the last ends.
   */
  idleTimer: NodeJS.Timeout | null;
  /** The length idleTimer was armed with (the faults' idleTimeoutMs then). */
  idleTimerMs: number;
  lastResponseEndAt: number;
  closedByServer: boolean;
  clientFinished: boolean;
  /** Carries admin API requests: not traffic under test (uncounted, no capacity slot, no idle close). */
  admin: boolean;
  /** maxOpen before this connection raised it (restored if it turns out to be an admin connection). */
  maxOpenBefore: number;
}

/** The options, resolved: what stays fixed for the server's life. */
export interface MockSettings {
  host: string;
  /** The port asked for (0 = any free port). */
  port: number;
  /** Accept queue length. */
  backlog: number;
  adminEnabled: boolean;
  /** The admin API's own listener (admin-listener.ts): 0 = a free port chosen at start; null = none. */
  adminPort: number | null;
  /** An admin request (headers and body) must arrive whole within this, or its connection is cut. */
  adminTimeoutMs: number;
  faultHeadersEnabled: boolean;
  /** Larger request bodies get 413. */
  maxBodyBytes: number;
  /** A request (headers and body) must arrive within this (node's requestTimeout; 0 = no limit). */
  requestTimeoutMs: number;
  endpointOptions: EndpointOptions;
  /** Serve TLS (ALPN h2 and http/1.1) with this key and certificate, PEM; null = plain TCP. */
  tls: { key: string | Buffer; cert: string | Buffer } | null;
}

/** What a watcher is told of a request on its arrival (exchange.ts's Exchange is one, and carries more). */
export interface Arrival {
  readonly req: Req;
  readonly res: Res;
  readonly conn: Conn | undefined;
  readonly isH2: boolean;
  /** The request target as sent, query included. */
  readonly path: string;
  /** performance.now() on arrival. */
  readonly arrivedAt: number;
}

/** Told when a connection under test opens and closes (a proxy's recorder); the mock itself needs none. */
export interface ConnectionWatch {
  opened(conn: Conn): void;
  closed(conn: Conn): void;
  /** A request under test arrived (before any fault acts on it). */
  exchange?(ex: Arrival): void;
}

export interface MockState {
  readonly settings: MockSettings;
  /** Replaced by reset(). */
  stats: MockStats;
  /** Replaced by setFaults(). */
  faults: ActiveFaults;
  /** Every open connection, admin ones included (closed all at once on close()). */
  readonly conns: Set<Conn>;
  readonly connBySocket: WeakMap<net.Socket, Conn>;
  readonly connBySession: WeakMap<http2.Http2Session, Conn>;
  /** Kept across setFaults(): requests already waiting for a worker keep their place. */
  readonly workers: WorkerSlots;
  /** The completions' sequences (faults.llm.maxSequences), likewise kept across setFaults(). */
  readonly sequences: SequenceSlots;
  /** close() has begun: nothing is answered, reopened or re-listened any more. */
  closing: boolean;
  readonly watch: ConnectionWatch | null;
}

export function createState(settings: MockSettings, faults: FaultConfig, watch: ConnectionWatch | null = null): MockState {
  return {
    watch,
    settings,
    stats: emptyStats(),
    faults: new ActiveFaults(faults),
    conns: new Set(),
    connBySocket: new WeakMap(),
    connBySession: new WeakMap(),
    workers: new WorkerSlots(),
    sequences: new SequenceSlots(),
    closing: false,
  };
}
