/** What the proxy keeps about one client connection and one request on it while they last. */
import type { WireStory } from '../runner/index.js';
import type { ClientLog } from './client-log.js';
import type { Copy } from './repeats.js';

export interface ConnRecord {
  /** In accept order, from 1. */
  readonly id: number;
  /** performance.now() at accept. */
  readonly openedAt: number;
  readonly tls: boolean;
  protocol: 'h1' | 'h2';
  /** Known from its first request (its User-Agent); null until then. */
  client: ClientLog | null;
  requests: number;
  inFlight: number;
  /** When its last answer ended (performance.now()), and how long that answer took. */
  lastEndAt: number;
  lastAnswerMs: number;
  /** The client reset it (RST) rather than closing it. */
  clientReset: boolean;
  /** Why the proxy's side closed it, when the proxy knows (an upstream close mirrored); else inferred at close. */
  closeReason: string | null;
  /** Kept for the first connections of each client only. */
  story: WireStory | null;
}

/** One request in flight. */
export interface Flight {
  readonly conn: ConnRecord;
  readonly startedAt: number;
  readonly idleBeforeMs: number | null;
  readonly method: string;
  readonly path: string;
  /** Known once the body has been read (its hash is part of the request's identity). */
  copy: Copy | null;
}
