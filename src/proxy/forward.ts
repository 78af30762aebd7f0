/**
 * The proxy's endpoint in the fault pipeline: what the faults let through is sent upstream on the client
 * connection's own upstream link, and the answer comes back. A whole answer is buffered (bounded) and
 * handed to the body faults like the mock's own; an event stream is passed through as it comes, where a
 * stall or truncation fault cuts it after its first chunk. A transport failure upstream is mirrored as a
 * reset of the client's connection: the client meets it as it would without the proxy.
 */
import type http from 'node:http';
import { killConnection, resetSocket, writeHead, type Conn, type Endpoint, type Exchange, type MockState } from '../../mock-server/index.js';
import { TailgateError, type HttpMethod } from '../engine/index.js';
import type { Recorder } from './recorder.js';
import { retryAfterMsOf } from './repeats.js';
import { UpstreamLink, type UpstreamOptions } from './upstream-link.js';
import type { UpstreamKnowledge } from './upstream-knowledge.js';

/** A whole answer larger than this is passed through as it comes (no body faults), not buffered. */
export const MAX_WHOLE_ANSWER_BYTES = 16 * 1024 * 1024;
/** A client this far behind a stream it is sent is cut off rather than buffered for. */
export const MAX_CLIENT_BACKLOG_BYTES = 16 * 1024 * 1024;

/** Hop-by-hop headers (RFC 9110 §7.6.1) and those the proxy sets itself. */
const REQUEST_DROP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host', 'content-length', 'expect', 'http2-settings']);
const RESPONSE_DROP = new Set(['connection', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'content-length']);

type Headers = Record<string, string>;

export function requestHeaders(headers: http.IncomingHttpHeaders): Headers {
  const out: Headers = {};
  const listed = typeof headers.connection === 'string' ? headers.connection.toLowerCase().split(',').map((s) => s.trim()) : [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name.startsWith(':') || REQUEST_DROP.has(name) || listed.includes(name)) continue;
    out[name] = Array.isArray(value) ? value.join(name === 'cookie' ? '; ' : ', ') : value;
  }
  return out;
}

/** The upstream's raw headers as the client gets them; keep-alive (the upstream's hint) only over HTTP/1.1. */
export function responseHeaders(raw: Buffer[], h2: boolean): Headers {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as Buffer).toString('latin1').toLowerCase();
    const value = (raw[i + 1] as Buffer).toString('latin1');
    // The upstream closing after this answer is passed on (the client must not reuse what the upstream will close).
    if (name === 'connection' && !h2 && /\bclose\b/i.test(value)) out.connection = 'close';
    if (RESPONSE_DROP.has(name) || (h2 && name === 'keep-alive')) continue;
    const had = out[name];
    out[name] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
  }
  // set-cookie stays a list; node writes each as its own header.
  return out as Headers;
}

export class Forwarder {
  private readonly links = new WeakMap<Conn, UpstreamLink>();

  constructor(
    private readonly upstream: UpstreamOptions,
    private readonly recorder: Recorder,
    private readonly knowledge: UpstreamKnowledge,
  ) {}

  readonly endpoint: Endpoint = (state, ex, body, deliver) => {
    const conn = ex.conn;
    const rec = this.recorder.recordOf(conn);
    if (!conn || !rec) return void killConnection(conn, ex.req, true);
    let link = this.links.get(conn);
    if (!link) this.links.set(conn, (link = new UpstreamLink(conn, rec, this.upstream, this.knowledge)));
    if (link.upstreamGone) {
      // The upstream had closed this connection when the request came: the stale-socket race, as without the proxy.
      rec.closeReason = link.upstreamGone;
      rec.client?.staleReuse();
      killConnection(conn, ex.req, true);
      return;
    }
    this.send(state, ex, link, body, deliver);
  };

  private send(state: MockState, ex: Exchange, link: UpstreamLink, body: Buffer, deliver: Parameters<Endpoint>[3]): void {
    const abort = new AbortController();
    let done = false;
    ex.res.once('close', () => done || abort.abort());
    let head: { status: number; headers: Headers } | null = null;
    let stream: StreamOut | null = null;
    const chunks: Buffer[] = [];
    let size = 0;
    link.inFlight++;
    link.engine
      .attempt({
        method: (ex.req.method ?? 'GET') as HttpMethod,
        path: ex.path,
        headers: requestHeaders(ex.req.headers as http.IncomingHttpHeaders),
        body: body.length > 0 ? body : null,
        signal: abort.signal,
        onResponseHeaders: (status, raw) => {
          head = { status, headers: responseHeaders(raw, ex.isH2) };
          this.knowledge.answer(status, retryAfterMsOf(head.headers['retry-after']), head.headers['keep-alive'] ?? null);
          if (/^text\/event-stream/i.test(head.headers['content-type'] ?? '')) stream = new StreamOut(state, ex, head.status, head.headers);
        },
        onData: (chunk) => {
          if (stream) return stream.write(chunk);
          size += chunk.length;
          chunks.push(chunk);
          if (size > MAX_WHOLE_ANSWER_BYTES && head) {
            // Too large to hold: from here it goes through as it comes.
            stream = new StreamOut(state, ex, head.status, head.headers, false);
            for (const c of chunks.splice(0)) stream.write(c);
          }
        },
      })
      .then(
        () => this.answered(ex, head, stream, chunks, deliver),
        (err: unknown) => {
          const answeredWithStatus = head !== null && err instanceof TailgateError && err.code.startsWith('http_');
          if (answeredWithStatus) return this.answered(ex, head, stream, chunks, deliver);
          if (err instanceof TailgateError && err.code === 'cancelled') return;
          // No answer, or a broken one: the client's connection ends the way the upstream's did.
          if (err instanceof TailgateError && (err.code === 'stale_connection' || err.code === 'connection_reset')) {
            if (ex.reused || link.upstreamGone) this.recorder.recordOf(ex.conn)?.client?.staleReuse();
            const rec = this.recorder.recordOf(ex.conn);
            if (rec) rec.closeReason = 'upstream-reset';
          } else {
            const rec = this.recorder.recordOf(ex.conn);
            if (rec) rec.closeReason = `upstream-${err instanceof TailgateError ? err.code : 'error'}`;
          }
          killConnection(ex.conn, ex.req, true);
        },
      )
      .finally(() => {
        done = true;
        link.inFlight--;
        // The upstream closed while this request was on it and the client's side is idle now: close it too.
        if (link.upstreamGone && !ex.conn?.socket.destroyed && (this.recorder.recordOf(ex.conn)?.inFlight ?? 0) <= 1) setImmediate(() => link.mirrorClose());
      });
  }

  private answered(ex: Exchange, head: { status: number; headers: Headers } | null, stream: StreamOut | null, chunks: Buffer[], deliver: Parameters<Endpoint>[3]): void {
    if (stream) return stream.end();
    if (!head) return;
    deliver({ status: head.status, payload: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks), headers: head.headers });
  }
}

/** An answer passed through as it comes: an event stream (with its stall and truncation faults), or one too large to hold. */
class StreamOut {
  private chunks = 0;
  private cut: 'stall' | 'truncate' | null = null;

  constructor(
    private readonly state: MockState,
    private readonly ex: Exchange,
    status: number,
    headers: Headers,
    faults = true,
  ) {
    if (faults) {
      if (ex.faults.stallAfterHeaders()) this.cut = 'stall';
      else if (ex.faults.truncatedBody()) this.cut = 'truncate';
      if (this.cut) state.stats.faults[this.cut === 'stall' ? 'stall_after_headers' : 'truncated_body'] = (state.stats.faults[this.cut === 'stall' ? 'stall_after_headers' : 'truncated_body'] ?? 0) + 1;
    }
    writeHead(state, ex, status, { ...headers });
    ex.res.flushHeaders?.();
  }

  write(chunk: Buffer): void {
    const res = this.ex.res;
    if (res.destroyed) return;
    if (this.cut && this.chunks >= 1) {
      if (this.cut === 'truncate' && this.chunks === 1) {
        this.chunks++;
        killConnection(this.ex.conn, this.ex.req, false);
      }
      return;
    }
    this.chunks++;
    res.write(chunk);
    // A client that does not read is not buffered for without bound.
    if (res.writableLength > MAX_CLIENT_BACKLOG_BYTES) {
      const socket = this.ex.conn?.socket;
      if (socket) resetSocket(socket);
    }
  }

  end(): void {
    if (this.cut === 'stall' || this.ex.res.destroyed) return;
    if (this.cut === 'truncate') return;
    this.ex.res.end();
  }
}
