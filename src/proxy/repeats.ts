/**
 * Telling retries, hedges and repeats apart on the wire. A request is known by its method, path and body
 * hash; a copy of one seen before is a hedge when the earlier copy is still in flight, a retry when the
 * earlier copy's answer failed (within the window), and a repeat when it succeeded. The OpenAI SDKs say
 * which of their requests are retries (x-stainless-retry-count); a fresh SDK call (count 0) re-sending a
 * request whose SDK retries had just failed is a retry loop written around the SDK.
 */
import { createHistogram, recordMs, summarize } from '../metrics/index.js';
import type { WireSection } from '../report/index.js';

export type RequestKind = 'primary' | 'retry' | 'hedge' | 'repeat';

/** A copy after this long is a new request, not a retry or repeat of the old one. */
export const REPEAT_WINDOW_MS = 30_000;
/** A client may see the answer a little after the proxy wrote it: waits this much shorter still honour Retry-After. */
const RETRY_AFTER_SLACK_MS = 25;
const SWEEP_EVERY = 1000;

interface Seen {
  inFlight: number;
  lastEndAt: number;
  failed: boolean;
  retryAfterMs: number | null;
  /** Copies in the current chain of retries. */
  chain: number;
  /** A hedge race under way: whether its first copy has answered yet. */
  race: { firstEnded: boolean } | null;
}

/** What the tracker decided about one arriving copy, kept on its request until it ends. */
export interface Copy {
  readonly kind: RequestKind;
  readonly seen: Seen;
}

export class RepeatTracker {
  private readonly seen = new Map<string, Seen>();
  private arrivals = 0;
  private readonly spacing = createHistogram();
  private readonly asked = createHistogram();
  private readonly waited = createHistogram();
  readonly counts = { retries: 0, sdkRetries: 0, outerRetries: 0, hedges: 0, hedgesWon: 0, losersCancelled: 0, repeats: 0, maxChain: 0, given: 0, honoured: 0, ignored: 0 };

  constructor(private readonly windowMs = REPEAT_WINDOW_MS) {}

  /** A copy of `key` arrived at `now`; `sdkRetryCount` from x-stainless-retry-count when sent. */
  arrived(key: string, now: number, sdkRetryCount: number | null): Copy {
    if (++this.arrivals % SWEEP_EVERY === 0) this.sweep(now);
    const prev = this.seen.get(key);
    const recent = prev !== undefined && (prev.inFlight > 0 || now - prev.lastEndAt <= this.windowMs);
    let kind: RequestKind = 'primary';
    if (sdkRetryCount !== null && sdkRetryCount > 0) {
      kind = 'retry';
      this.counts.sdkRetries++;
    } else if (recent && prev.inFlight > 0) kind = 'hedge';
    else if (recent) {
      kind = prev.failed ? 'retry' : 'repeat';
      if (kind === 'retry' && sdkRetryCount === 0) this.counts.outerRetries++;
    }
    if (recent && prev.inFlight === 0) {
      const gap = now - prev.lastEndAt;
      if (kind === 'retry') recordMs(this.spacing, gap);
      if (prev.retryAfterMs !== null) {
        recordMs(this.asked, prev.retryAfterMs);
        recordMs(this.waited, gap);
        if (gap >= prev.retryAfterMs - RETRY_AFTER_SLACK_MS) this.counts.honoured++;
        else this.counts.ignored++;
      }
    }
    if (kind === 'retry') this.counts.retries++;
    else if (kind === 'repeat') this.counts.repeats++;
    else if (kind === 'hedge') this.counts.hedges++;
    const entry: Seen = prev && recent ? prev : { inFlight: 0, lastEndAt: now, failed: false, retryAfterMs: null, chain: 0, race: null };
    entry.chain = kind === 'retry' ? entry.chain + 1 : kind === 'hedge' ? entry.chain : 1;
    if (entry.chain > this.counts.maxChain) this.counts.maxChain = entry.chain;
    if (kind === 'hedge') entry.race ??= { firstEnded: false };
    else if (entry.inFlight === 0) entry.race = null;
    entry.inFlight++;
    this.seen.set(key, entry);
    return { kind, seen: entry };
  }

  /** A copy ended: `answered` false when its connection ended before its answer did (the client cancelled it, or it failed). */
  ended(copy: Copy, now: number, status: number | null, answered: boolean, retryAfterMs: number | null): void {
    const entry = copy.seen;
    if (retryAfterMs !== null) this.counts.given++;
    const race = entry.race;
    if (race) {
      if (!race.firstEnded && answered) {
        race.firstEnded = true;
        if (copy.kind === 'hedge') this.counts.hedgesWon++;
      } else if (!answered && race.firstEnded) this.counts.losersCancelled++;
    }
    entry.inFlight = Math.max(0, entry.inFlight - 1);
    entry.lastEndAt = now;
    entry.failed = status === null || status >= 400;
    entry.retryAfterMs = retryAfterMs;
  }

  snapshot(): Pick<WireSection, 'repeats' | 'retryAfter'> {
    const c = this.counts;
    return {
      repeats: { retries: c.retries, sdkRetries: c.sdkRetries, outerRetries: c.outerRetries, hedges: c.hedges, hedgesWon: c.hedgesWon, losersCancelled: c.losersCancelled, repeats: c.repeats, spacingMs: summarize(this.spacing), maxChain: c.maxChain },
      retryAfter: { given: c.given, honoured: c.honoured, ignored: c.ignored, askedMs: summarize(this.asked), waitedMs: summarize(this.waited) },
    };
  }

  /** Forget requests last seen beyond the window (memory stays bounded by the traffic of one window). */
  private sweep(now: number): void {
    for (const [key, s] of this.seen) if (s.inFlight === 0 && now - s.lastEndAt > this.windowMs) this.seen.delete(key);
  }
}

/** Retry-After as ms: delta-seconds (fractions allowed, as the OpenAI SDKs read it) or an HTTP date. */
export function retryAfterMsOf(value: string | number | string[] | undefined, nowEpochMs = Date.now()): number | null {
  if (value === undefined) return null;
  const text = String(Array.isArray(value) ? value[0] : value).trim();
  if (text === '') return null;
  const seconds = Number(text);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - nowEpochMs);
}
