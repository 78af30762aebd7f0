/**
 * Everything the proxy learns about one client (one User-Agent, or the --client name): its connections,
 * each request on them, and what they add up to. The request measurements go into a ProfileMetrics, so
 * the client's profile has the same shape (histograms, intervals, timeline) as a run's, and `gate` reads
 * it the same way; the wire section says what only the wire shows.
 */
import { codeForStatus } from '../engine/index.js';
import { countAtOrBelowMs, createHistogram, ProfileMetrics, recordMs, summarize, type Histogram } from '../metrics/index.js';
import type { WireSection, WireStory } from '../report/index.js';
import type { Identity } from './identify.js';
import { RepeatTracker, type Copy } from './repeats.js';
import { LevelSeries } from './series.js';

/**
 * A reuse this soon after the connection's previous answer means a request was already waiting for it:
 * within 25 ms (a busy client's own event loop takes some), and within half that answer's time (a program
 * that thinks between requests as long as its answers take is not queueing).
 */
export const BACK_TO_BACK_MS = 25;
const backToBackLimitMs = (lastAnswerMs: number) => Math.min(BACK_TO_BACK_MS, Math.max(2, 0.5 * lastAnswerMs));
/** A client that closes a connection this soon after its answer closed it because it was done with it. */
const CLOSED_AFTER_ANSWER_MS = 250;
/** A new connection this soon after such a close replaced it. */
const REOPEN_WITHIN_MS = 1000;
/** A connection idle this long when a new one opens was there to be reused. */
const IDLE_AVAILABLE_MS = 20;
const STORIES = 50;
const STORY_REQUESTS = 50;

interface Stretch {
  connections: number;
  start: number;
  last: number;
  requests: number;
  backToBack: number;
}

export class ClientLog {
  readonly metrics = new ProfileMetrics();
  readonly repeats = new RepeatTracker();
  readonly open = new Set<ConnRecord>();
  private readonly series: LevelSeries;
  private readonly idleBeforeReuse: Histogram = createHistogram();
  private readonly idleClosedByClient: Histogram = createHistogram();
  private readonly idleClosedByUpstream: Histogram = createHistogram();
  private readonly stories: WireStory[] = [];
  private readonly c = { opened: 0, http2: 0, tls: 0, maxOpen: 0, closedByClient: 0, resetByClient: 0, servedOne: 0, maxRequests: 0, openedWhileIdle: 0, openedAfterOwnClose: 0 };
  private readonly closedByProxy: Record<string, number> = {};
  private readonly reuse = { reused: 0, stale: 0, backToBack: 0 };
  private inFlight = 0;
  private lastOwnCloseAt = Number.NEGATIVE_INFINITY;
  private stretch: Stretch | null = null;
  private longest: Stretch | null = null;

  constructor(
    readonly name: string,
    readonly userAgent: string | null,
    readonly identity: Identity,
    private readonly originMs: number,
  ) {
    this.series = new LevelSeries(originMs);
    this.metrics.start();
  }

  /** A connection's first request came from this client: it is counted as this client's from its open. */
  attach(conn: ConnRecord, now: number): void {
    this.c.opened++;
    if (conn.protocol === 'h2') this.c.http2++;
    if (conn.tls) this.c.tls++;
    this.metrics.connections.opened++;
    // Idle when the client opened this connection (its TCP open, not its first request), and more of them
    // idle than busy or not yet used: a pooled client's burst of connects (32 at once) on a slow machine
    // reaches its last connections after the first answers, while most of the burst is still in flight.
    let idle = 0;
    let engaged = 0;
    for (const other of this.open) {
      if (other.inFlight > 0 || other.requests === 0) engaged++;
      else if (conn.openedAt - other.lastEndAt >= IDLE_AVAILABLE_MS) idle++;
    }
    if (idle > 0 && idle > engaged) this.c.openedWhileIdle++;
    if (now - this.lastOwnCloseAt <= REOPEN_WITHIN_MS) this.c.openedAfterOwnClose++;
    this.open.add(conn);
    if (this.open.size > this.c.maxOpen) this.c.maxOpen = this.open.size;
    this.endStretch();
    if (this.stories.length < STORIES) {
      conn.story = { id: conn.id, openedAtMs: round(conn.openedAt - this.originMs), protocol: conn.protocol, tls: conn.tls, requests: [], moreRequests: 0, closedAtMs: null, closedBy: null, reason: null };
      this.stories.push(conn.story);
    }
  }

  /** A request arrived on `conn` (already counted on it: conn.requests includes it). */
  requestStarted(conn: ConnRecord, now: number): void {
    this.metrics.requestStarted(false, 0);
    this.inFlight++;
    if (conn.requests > 1 && conn.inFlight === 1) {
      const idle = now - conn.lastEndAt;
      this.reuse.reused++;
      this.metrics.connections.reused++;
      recordMs(this.idleBeforeReuse, idle);
      // Taken again at once: a request was waiting for it. A later reuse within an answer's time (a loaded
      // client's loop runs late) keeps the stretch going without counting; a longer pause ends it.
      if (conn.protocol !== 'h1' || idle >= Math.max(100, conn.lastAnswerMs)) this.endStretch();
      else this.inStretch(now, idle < backToBackLimitMs(conn.lastAnswerMs));
    }
    this.series.note(now, this.open.size, this.inFlight);
  }

  /** A request ended: answered in full, or its connection ended first (status null: nothing reached the client). */
  requestEnded(flight: Flight, now: number, status: number | null, answered: boolean, retryAfterMs: number | null): void {
    const { conn, copy, startedAt } = flight;
    this.inFlight--;
    const kind = copy?.kind ?? 'primary';
    const attempts = this.metrics.attempts;
    attempts.total++;
    attempts[kind === 'repeat' ? 'primary' : kind]++;
    this.metrics.intervals.count(kind === 'repeat' ? 'primary' : kind);
    if (status !== null) this.metrics.statuses[String(status)] = (this.metrics.statuses[String(status)] ?? 0) + 1;
    const code = !answered ? 'connection_reset' : status === null ? null : codeForStatus(status);
    if (code !== null) this.metrics.errors[code] = (this.metrics.errors[code] ?? 0) + 1;
    this.metrics.requestEnded(now - startedAt, code);
    if (copy) this.repeats.ended(copy, now, answered ? status : null, answered, retryAfterMs);
    const story = conn.story;
    if (story) {
      if (story.requests.length < STORY_REQUESTS) {
        const idle = flight.idleBeforeMs;
        story.requests.push({ atMs: round(startedAt - conn.openedAt), idleBeforeMs: idle === null ? null : round(idle), method: flight.method, path: flight.path, status: answered ? status : null, ms: round(now - startedAt), kind });
      } else story.moreRequests++;
    }
    this.series.note(now, this.open.size, this.inFlight);
  }

  /** Counts for the live line. */
  live(): { requests: number; open: number; inFlight: number; failed: number; retries: number } {
    const m = this.metrics;
    return { requests: m.requests.total, open: this.open.size, inFlight: this.inFlight, failed: m.requests.failed, retries: this.repeats.counts.retries };
  }

  /** A reused connection's request met the upstream's reset: the connection was stale. */
  staleReuse(): void {
    this.reuse.stale++;
    this.metrics.connections.stale++;
  }

  /** The connection closed; `byClient` when the client ended it (FIN or reset), else the proxy did, for `reason`. */
  closed(conn: ConnRecord, now: number, byClient: boolean, reason: string): void {
    this.open.delete(conn);
    if (conn.requests === 1) this.c.servedOne++;
    if (conn.requests > this.c.maxRequests) this.c.maxRequests = conn.requests;
    const idle = conn.inFlight === 0 && conn.requests > 0 ? now - conn.lastEndAt : null;
    if (byClient) {
      this.c.closedByClient++;
      this.metrics.connections.closedByClient++;
      if (conn.clientReset) this.c.resetByClient++;
      if (idle !== null) {
        recordMs(this.idleClosedByClient, idle);
        if (idle <= CLOSED_AFTER_ANSWER_MS) this.lastOwnCloseAt = now;
      }
    } else {
      this.closedByProxy[reason] = (this.closedByProxy[reason] ?? 0) + 1;
      this.metrics.connections.closedByServer++;
      if (idle !== null && reason.startsWith('upstream-')) recordMs(this.idleClosedByUpstream, idle);
    }
    if (conn.story) {
      conn.story.closedAtMs = round(now - this.originMs);
      conn.story.closedBy = byClient ? 'client' : 'proxy';
      conn.story.reason = reason;
    }
    this.endStretch();
    this.series.note(now, this.open.size, this.inFlight);
  }

  /** The wire section, given what the upstream side learned (its idle timeout). */
  wire(upstream: WireSection['upstream']): WireSection {
    this.endStretch();
    const best = this.longest;
    const idleTimeout = upstream.idleTimeoutMs;
    return {
      userAgent: this.userAgent,
      library: this.identity.library,
      connections: { ...this.c, closedByProxy: { ...this.closedByProxy } },
      reuse: {
        reused: this.reuse.reused,
        idleBeforeReuseMs: summarize(this.idleBeforeReuse),
        afterUpstreamIdle: idleTimeout === null ? 0 : countAtLeast(this.idleBeforeReuse, idleTimeout),
        stale: this.reuse.stale,
        backToBack: this.reuse.backToBack,
      },
      plateau: best && best.backToBack >= 2 * best.connections && best.backToBack >= 0.5 * best.requests ? { connections: best.connections, ms: round(best.last - best.start), requests: best.requests, backToBack: best.backToBack } : null,
      idleCloses: { byClientMs: summarize(this.idleClosedByClient), byUpstreamMs: summarize(this.idleClosedByUpstream) },
      concurrency: this.series.snapshot(),
      ...this.repeats.snapshot(),
      upstream,
      stories: this.stories.map((s) => ({ ...s, requests: s.requests.slice() })),
    };
  }

  /** A reuse inside a stretch of steady connections: `quick` when it was taken the moment it freed. */
  private inStretch(now: number, quick: boolean): void {
    if (quick) this.reuse.backToBack++;
    const s = this.stretch;
    if (s && s.connections === this.open.size) {
      s.last = now;
      s.requests++;
      if (quick) s.backToBack++;
    } else if (quick) {
      this.endStretch();
      this.stretch = { connections: this.open.size, start: now, last: now, requests: 1, backToBack: 1 };
    }
  }

  private endStretch(): void {
    const s = this.stretch;
    if (!s) return;
    this.stretch = null;
    if (!this.longest || s.last - s.start > this.longest.last - this.longest.start) this.longest = s;
  }
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/** Recorded values at or above `ms` (to the histogram's resolution). */
function countAtLeast(h: Histogram, ms: number): number {
  return h.totalCount - countAtOrBelowMs(h, ms - 0.001);
}

// ---- what the proxy keeps about one client connection and one request on it while they last ----

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
