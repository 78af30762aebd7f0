/**
 * The upstream side of one client connection: its own engine, so that each client connection gets its
 * own upstream connection, and what happens to one happens to the other. The upstream closing the
 * connection is mirrored on the client's (a FIN as a FIN, a reset as a reset), so a client that reuses a
 * connection the upstream dropped meets the same failure it would without the proxy; the client closing
 * its connection closes the upstream one.
 */
import type http2 from 'node:http2';
import { resetSocket, type Conn } from '../../mock-server/index.js';
import { Engine, H2_DEFAULT_STREAMS, type AttemptRecord, type ClientConfigInput, type EngineObserver, type SocketInfo } from '../engine/index.js';
import type { ConnRecord } from './client-log.js';
import type { UpstreamKnowledge } from './upstream-knowledge.js';

const DAY_MS = 86_400_000;

export interface UpstreamOptions {
  url: string;
  /** HTTP version to ask the upstream for: 2 is ALPN over TLS (falling back to 1.1), prior knowledge over http:. */
  httpVersion: 1 | 2;
  /** A private CA to trust (PEM). */
  ca?: string | Buffer;
  connectTimeoutMs: number;
}

export class UpstreamLink implements EngineObserver {
  readonly engine: Engine;
  /** The upstream closed this connection's upstream side: how, until the client's side closes too. */
  upstreamGone: 'upstream-fin' | 'upstream-reset' | null = null;
  inFlight = 0;
  /** One upstream connection to one client connection, so the upstream's close can be mirrored on it. */
  private readonly oneToOne: boolean;

  constructor(
    private readonly conn: Conn,
    private readonly rec: ConnRecord,
    options: UpstreamOptions,
    private readonly knowledge: UpstreamKnowledge,
  ) {
    const h2Client = rec.protocol === 'h2';
    // An HTTP/2 client multiplexes: an HTTP/1.1 upstream then needs a connection per stream in flight.
    this.oneToOne = !h2Client || options.httpVersion === 2;
    const config: ClientConfigInput = {
      pool: {
        connections: this.oneToOne ? 1 : null,
        maxIdle: null,
        // The upstream decides when an idle connection ends, never the proxy.
        keepAliveMs: DAY_MS,
        honorKeepAliveHint: false,
        pipelining: options.httpVersion === 2 ? H2_DEFAULT_STREAMS : 1,
      },
      timeouts: { connect: options.connectTimeoutMs, write: null, read: null, pool: null, acquire: null, attempt: null, total: null },
      retry: { maxRetries: 0 },
      httpVersion: options.httpVersion,
      apiKey: null,
      headers: {},
    };
    this.engine = new Engine(options.url, config, { env: {}, identify: false, observer: this, ...(options.ca !== undefined ? { ca: options.ca } : {}) });
    conn.socket.once('close', () => void this.engine.close());
  }

  onSocketOpen(info: SocketInfo): void {
    this.knowledge.protocols[info.protocol]++;
  }

  onSocketClose(info: SocketInfo): void {
    if (info.closedBy !== 'server') return;
    const how = info.closeReason === 'server-reset' ? 'upstream-reset' : 'upstream-fin';
    if (this.inFlight === 0 && info.closedAt !== null) this.knowledge.idleClose(info.closedAt - info.lastActiveAt);
    if (!this.oneToOne) return;
    this.upstreamGone = how;
    // With a request in flight its failure answers the client (forward.ts); an idle connection is closed now.
    if (this.inFlight === 0 && this.rec.inFlight === 0) this.mirrorClose();
  }

  onAttemptEnd(a: AttemptRecord): void {
    if (a.ttfbMs !== null && a.status !== null && a.status > 0) this.knowledge.serviceTime(a.ttfbMs);
    if (a.reusedSocket && a.idleBeforeMs !== null && a.sent) {
      const answered = a.status !== null && a.status > 0;
      if (answered) this.knowledge.reuse(a.idleBeforeMs, true);
      else if (a.error && (a.error.code === 'stale_connection' || a.error.code === 'connection_reset')) this.knowledge.reuse(a.idleBeforeMs, false);
    }
  }

  /** Close the client's connection as the upstream closed its own. */
  mirrorClose(): void {
    const how = this.upstreamGone ?? 'upstream-fin';
    this.rec.closeReason = how;
    this.conn.closedByServer = true;
    const session = this.conn.session as http2.Http2Session | null;
    if (session) session.close();
    else if (how === 'upstream-reset') resetSocket(this.conn.socket);
    else this.conn.socket.end();
  }
}
