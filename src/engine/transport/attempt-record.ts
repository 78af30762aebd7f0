/**
 * The result side of an attempt (attempt.ts): the record an observer receives and the answer a caller
 * reads (status, headers parsed on first use, the body joined on first use), and the headers a request
 * is sent with. A base class of Attempt, so an attempt is still one object.
 */
import type { TailgateError } from '../errors.js';
import type { SocketInfo } from '../observer.js';
import type { AttemptContext, AttemptRequest } from './request.js';

const EMPTY = Buffer.alloc(0);

export class AttemptRecordBase {
  startedAt = 0;
  queueWaitMs = 0;
  connectMs: number | null = null;
  ttfbMs: number | null = null;
  totalMs = 0;
  holdMs: number | null = null;
  status = 0;
  bytesReceived = 0;
  error: TailgateError | null = null;
  socket: SocketInfo | null = null;
  reusedSocket = false;
  requestsBeforeOnSocket = 0;
  idleBeforeMs: number | null = null;


  protected rawHeaders: Buffer[] | null = null;
  protected parsedHeaders: Record<string, string> | null = null;
  protected chunks: Buffer[] | null = null;
  protected bodyBuffer: Buffer | null = null;

  // ---- the result ----

  get body(): Buffer {
    if (this.bodyBuffer === null) {
      const chunks = this.chunks;
      this.bodyBuffer = chunks === null ? EMPTY : chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      this.chunks = null;
    }
    return this.bodyBuffer;
  }

  get headers(): Record<string, string> {
    if (this.parsedHeaders === null) {
      const out: Record<string, string> = {};
      const raw = this.rawHeaders ?? [];
      for (let i = 0; i + 1 < raw.length; i += 2) {
        const name = (raw[i] as Buffer).toString('latin1').toLowerCase();
        const value = (raw[i + 1] as Buffer).toString('latin1');
        out[name] = name in out ? `${out[name]}, ${value}` : value;
      }
      this.parsedHeaders = out;
    }
    return this.parsedHeaders;
  }

  text(): string {
    return this.body.toString('utf8');
  }

  json<T = unknown>(): T {
    return JSON.parse(this.text()) as T;
  }
}

/** The engine's headers, with the request's own and its id (the id header keeps its place if the request names it). */
export function requestHeaders(base: AttemptContext['baseHeaders'], req: AttemptRequest): AttemptContext['baseHeaders'] {
  const idHeader = req.requestIdHeader;
  if (!req.headers && idHeader === undefined) return base;
  const headers = base.slice();
  let idSent = idHeader === undefined;
  if (req.headers) {
    for (const name in req.headers) {
      // A header of the request id's name keeps its place and takes the id (as a spread and assign would).
      if (name === idHeader) {
        headers.push(name, req.requestId as string);
        idSent = true;
      } else headers.push(name, req.headers[name] as string);
    }
  }
  if (!idSent) headers.push(idHeader as string, req.requestId as string);
  return headers;
}
