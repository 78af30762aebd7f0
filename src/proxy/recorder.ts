/**
 * The proxy's recorder: told by the listener of every client connection and request (the mock's
 * ConnectionWatch), it keeps each connection's record and hands each request to its client's log.
 * A client is known by its first request's User-Agent (or --client); up to MAX_CLIENTS are kept apart.
 */
import { createHash } from 'node:crypto';
import type http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Arrival, Conn, ConnectionWatch, FaultConfig } from '../../mock-server/index.js';
import { redactUrl } from '../engine/index.js';
import { ClientLog } from './client-log.js';
import type { ConnRecord, Flight } from './client-log.js';
import { clientName, identify } from './identify.js';
import { retryAfterMsOf } from './repeats.js';
import type { UpstreamKnowledge } from './upstream-knowledge.js';

const MAX_CLIENTS = 20;
const OTHER_CLIENTS = 'other clients';

export interface RecorderOptions {
  /** One name for every client instead of its User-Agent. */
  clientName?: string;
  tls: boolean;
  /** The faults in force (an idle close by the proxy is one of them). */
  faults(): FaultConfig;
  /** A client seen for the first time. */
  onClient?: (client: ClientLog) => void;
}

export class Recorder implements ConnectionWatch {
  readonly originMs = performance.now();
  readonly startedAt = new Date();
  readonly clients = new Map<string, ClientLog>();
  /** Connections that closed without a request: no client to put them on. */
  silentConnections = 0;
  private nextId = 1;
  private readonly records = new WeakMap<Conn, ConnRecord>();
  private stopping = false;

  constructor(
    private readonly options: RecorderOptions,
    readonly upstream: UpstreamKnowledge,
  ) {}

  recordOf(conn: Conn | undefined): ConnRecord | undefined {
    return conn ? this.records.get(conn) : undefined;
  }

  opened(conn: Conn): void {
    const rec: ConnRecord = { id: this.nextId++, openedAt: performance.now(), tls: this.options.tls, protocol: 'h1', client: null, requests: 0, inFlight: 0, lastEndAt: 0, lastAnswerMs: 0, clientReset: false, closeReason: null, story: null };
    this.records.set(conn, rec);
    conn.socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET' && !conn.closedByServer) rec.clientReset = true;
    });
  }

  exchange(ex: Arrival): void {
    const rec = this.recordOf(ex.conn);
    if (!rec) return;
    const now = ex.arrivedAt;
    const headers = ex.req.headers as http.IncomingHttpHeaders;
    if (ex.isH2) rec.protocol = 'h2';
    let client = rec.client;
    if (!client) {
      client = rec.client = this.clientFor(headers);
      client.attach(rec, now);
    }
    const idleBeforeMs = rec.requests > 0 && rec.inFlight === 0 ? now - rec.lastEndAt : null;
    rec.requests++;
    rec.inFlight++;
    client.requestStarted(rec, now);
    const method = ex.req.method ?? 'GET';
    const flight: Flight = { conn: rec, startedAt: now, idleBeforeMs, method, path: redactPath(ex.path), copy: null };
    const sdkCount = Number(headers['x-stainless-retry-count']);
    const sdkRetryCount = headers['x-stainless-retry-count'] !== undefined && Number.isInteger(sdkCount) ? sdkCount : null;
    // A request is known by method, path and body: hashed as it streams in, whoever reads it.
    const hash = createHash('sha1');
    const classify = (complete: boolean) => {
      if (flight.copy !== null) return;
      const key = `${method} ${ex.path} ${complete ? hash.digest('base64') : 'incomplete'}`;
      flight.copy = (client as ClientLog).repeats.arrived(key, now, sdkRetryCount);
    };
    ex.req.on('data', (chunk: Buffer) => hash.update(chunk));
    ex.req.once('end', () => classify(true));
    const res = ex.res as unknown as { once(e: 'close', f: () => void): void; headersSent: boolean; statusCode: number; writableFinished?: boolean; writableEnded: boolean; getHeader(n: string): string | number | string[] | undefined };
    res.once('close', () => {
      classify(false);
      const end = performance.now();
      const answered = res.writableFinished ?? res.writableEnded;
      rec.inFlight--;
      rec.lastEndAt = end;
      rec.lastAnswerMs = end - now;
      (client as ClientLog).requestEnded(flight, end, res.headersSent ? res.statusCode : null, answered, retryAfterMsOf(res.getHeader('retry-after')));
    });
  }

  closed(conn: Conn): void {
    const rec = this.records.get(conn);
    if (!rec) return;
    const now = performance.now();
    const byClient = conn.clientFinished && !conn.closedByServer && !this.stopping;
    if (!rec.client) {
      this.silentConnections++;
      return;
    }
    rec.client.closed(rec, now, byClient, byClient ? (rec.clientReset ? 'client-reset' : 'client-fin') : this.proxyReason(rec, now));
  }

  /** The proxy is stopping: every close from now on is its own. */
  stop(): void {
    this.stopping = true;
  }

  /** Why the proxy's side closed a connection it was not told about: its idle fault, or another fault. */
  private proxyReason(rec: ConnRecord, now: number): string {
    if (this.stopping) return 'proxy-stopped';
    if (rec.closeReason) return rec.closeReason;
    if (rec.inFlight === 0 && now - rec.lastEndAt >= this.options.faults().idleTimeoutMs - 5) return 'idle-timeout';
    return 'fault';
  }

  private clientFor(headers: http.IncomingHttpHeaders): ClientLog {
    const ua = typeof headers['user-agent'] === 'string' ? headers['user-agent'] : undefined;
    const lang = typeof headers['x-stainless-lang'] === 'string' ? headers['x-stainless-lang'] : undefined;
    let name = this.options.clientName ?? clientName(ua);
    if (!this.clients.has(name) && this.clients.size >= MAX_CLIENTS) name = OTHER_CLIENTS;
    let log = this.clients.get(name);
    if (!log) {
      log = new ClientLog(name, ua ?? null, identify(ua, lang), this.originMs);
      this.clients.set(name, log);
      this.options.onClient?.(log);
    }
    return log;
  }
}

/** A request target as it may be shown: credential-looking query parameters redacted. */
export function redactPath(path: string): string {
  const shown = redactUrl(`http://h${path.startsWith('/') ? '' : '/'}${path}`);
  return shown.slice('http://h'.length);
}
