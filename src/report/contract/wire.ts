/**
 * What `tailgate proxy` (and `observe`) saw of one client on the wire: a profile's `wire` section. Types
 * only: the report contract's; the proxy fills it (src/proxy), the wire findings read it (rules-wire.ts). Every number
 * is counted by the proxy on the client's own connections; what it could not see is null.
 */
import type { LatencySummary } from '../../metrics/index.js';

/** Libraries told apart by their User-Agent (or the OpenAI SDKs' x-stainless-lang header). */
export type WireLibrary = 'httpx' | 'aiohttp' | 'openai-python' | 'openai-node' | 'undici' | 'fetch';

export interface WireRequest {
  /** ms since the connection opened. */
  atMs: number;
  /** How long the connection sat idle before this request (null: its first). */
  idleBeforeMs: number | null;
  method: string;
  /** Credential-looking query parameters redacted. */
  path: string;
  /** The status the client received, or null when its connection ended first. */
  status: number | null;
  ms: number;
  kind: 'primary' | 'retry' | 'hedge' | 'repeat';
}

/** One client connection from open to close (the first connections of a session, each with its first requests). */
export interface WireStory {
  id: number;
  /** ms since the proxy started. */
  openedAtMs: number;
  protocol: 'h1' | 'h2';
  tls: boolean;
  requests: WireRequest[];
  /** More requests were served on it than are listed. */
  moreRequests: number;
  closedAtMs: number | null;
  closedBy: 'client' | 'proxy' | null;
  /** client-fin, client-reset; upstream-fin, upstream-reset (the upstream's close, mirrored); a fault's name; proxy-stopped. */
  reason: string | null;
}

export interface WireSection {
  userAgent: string | null;
  library: { name: WireLibrary; version: string | null } | null;
  connections: {
    opened: number;
    http2: number;
    tls: number;
    /** Open at once, at most. */
    maxOpen: number;
    closedByClient: number;
    /** Closed on the proxy's side, by reason (an upstream close mirrored, a fault, the proxy stopping). */
    closedByProxy: Record<string, number>;
    /** Connections the client reset (RST) rather than closed. */
    resetByClient: number;
    /** Connections that served exactly one request, and the most any served. */
    servedOne: number;
    maxRequests: number;
    /** New connections opened while another of the client's sat idle and open: a pooled client would have reused it. */
    openedWhileIdle: number;
    /** New connections opened within a second of the client closing one of its own right after its answer. */
    openedAfterOwnClose: number;
  };
  reuse: {
    /** Requests on a connection that had served one before. */
    reused: number;
    idleBeforeReuseMs: LatencySummary | null;
    /** Reuses after an idle at least `upstream.idleTimeoutMs`. */
    afterUpstreamIdle: number;
    /** Reuses that found the upstream had dropped the connection (it reset the request): the stale-socket race. */
    stale: number;
    /** Reuses within a few ms of the connection's previous answer while every other connection of the client was busy too. */
    backToBack: number;
  };
  /** The longest stretch with every open connection busy and the count of connections flat: a pool limit. */
  plateau: { connections: number; ms: number; requests: number; backToBack: number } | null;
  /** How idle connections ended: closed by the client itself, or by the upstream (mirrored), after how long idle. */
  idleCloses: { byClientMs: LatencySummary | null; byUpstreamMs: LatencySummary | null };
  /** Per second: the most connections open and requests in flight. */
  concurrency: { t: number; connections: number; inFlight: number }[];
  repeats: {
    /** Sent again after a failed answer (SDK retries included). */
    retries: number;
    /** Retries the SDK said were its own (x-stainless-retry-count > 0). */
    sdkRetries: number;
    /** Fresh SDK calls (retry count 0) re-sending a request whose SDK retries had just failed: a retry loop around the SDK. */
    outerRetries: number;
    /** Sent again while the first copy was still in flight. */
    hedges: number;
    /** Hedges whose copy answered first, and losing copies the client cancelled (closed before their answer). */
    hedgesWon: number;
    losersCancelled: number;
    /** Sent again after a successful answer. */
    repeats: number;
    /** Time from a failed copy's answer to its retry: the client's backoff. */
    spacingMs: LatencySummary | null;
    /** The most times one request (method, path, body) was sent in one chain of retries. */
    maxChain: number;
  };
  retryAfter: {
    /** Answers carrying Retry-After. */
    given: number;
    /** Of the requests sent again after one: waited at least as long, or not. */
    honoured: number;
    ignored: number;
    askedMs: LatencySummary | null;
    waitedMs: LatencySummary | null;
  };
  upstream: {
    /** The upstream's idle timeout as seen: its idle closes, the idle after which it reset reused connections, or the proxy's own idle fault. */
    idleTimeoutMs: number | null;
    idleTimeoutSource: 'upstream-close' | 'upstream-reset' | 'proxy-fault' | null;
    /** The longest idle after which a reused upstream connection still worked. */
    longestIdleThatWorkedMs: number | null;
  };
  /** The first connections' stories (bounded). */
  stories: WireStory[];
}
