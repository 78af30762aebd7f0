/**
 * What the proxy learns about the upstream while forwarding: how long it lets connections idle (its idle
 * closes, or the idle after which a reused connection met a reset), its latency before answering, its
 * statuses and Retry-After, its Keep-Alive hint. The wire findings compare the client with it; the twin
 * is written from it.
 */
import { createHistogram, recordMs, summarize, type Histogram } from '../metrics/index.js';
import type { WireSection } from '../report/index.js';

/** An upstream close this soon after an answer was not an idle timeout (a per-connection request limit, say). */
const IDLE_CLOSE_FLOOR_MS = 100;

export class UpstreamKnowledge {
  /**
   * Per answered request, from the request written upstream to the answer's first byte, as the upstream
   * engine times it at the socket (its attempt's TTFB): the upstream's service time, without the wait for
   * a connection, the connect, or the proxy's own work before sending.
   */
  readonly latency: Histogram = createHistogram();
  readonly statuses: Record<string, number> = {};
  /** Retry-After per status: how many carried one, and their sum (ms), for the mean. */
  readonly retryAfter: Record<string, { count: number; sumMs: number }> = {};
  keepAliveHint: string | null = null;
  answered = 0;
  protocols = { h1: 0, h2: 0 };
  private readonly idleCloses = createHistogram();
  private resetAfterIdleMs = Number.POSITIVE_INFINITY;
  private longestIdleWorked: number | null = null;

  /** `faultIdleMs`: the proxy's own idle close or reset-on-reuse, when its faults set one. */
  constructor(private readonly faultIdleMs: () => number | null) {}

  answer(status: number, retryAfterMs: number | null, keepAlive: string | null): void {
    this.answered++;
    this.statuses[String(status)] = (this.statuses[String(status)] ?? 0) + 1;
    if (retryAfterMs !== null) {
      const r = (this.retryAfter[String(status)] ??= { count: 0, sumMs: 0 });
      r.count++;
      r.sumMs += retryAfterMs;
    }
    if (keepAlive !== null) this.keepAliveHint ??= keepAlive;
  }

  /** An upstream attempt that got an answer took `ttfbMs` from written to first byte. */
  serviceTime(ttfbMs: number): void {
    recordMs(this.latency, ttfbMs);
  }

  /** The upstream closed a connection that had been idle `idleMs`. */
  idleClose(idleMs: number): void {
    if (idleMs >= IDLE_CLOSE_FLOOR_MS) recordMs(this.idleCloses, idleMs);
  }

  /** A reused upstream connection, idle `idleMs` before, worked (true) or met a reset before any answer (false). */
  reuse(idleMs: number, worked: boolean): void {
    if (worked) this.longestIdleWorked = Math.max(this.longestIdleWorked ?? 0, idleMs);
    else this.resetAfterIdleMs = Math.min(this.resetAfterIdleMs, idleMs);
  }

  section(): WireSection['upstream'] {
    const closes = summarize(this.idleCloses);
    const candidates: [number, WireSection['upstream']['idleTimeoutSource']][] = [];
    if (closes) candidates.push([closes.p50, 'upstream-close']);
    if (Number.isFinite(this.resetAfterIdleMs)) candidates.push([this.resetAfterIdleMs, 'upstream-reset']);
    const fault = this.faultIdleMs();
    if (fault !== null) candidates.push([fault, 'proxy-fault']);
    candidates.sort((a, b) => a[0] - b[0]);
    const [first] = candidates;
    return {
      idleTimeoutMs: first ? Math.round(first[0]) : null,
      idleTimeoutSource: first ? first[1] : null,
      longestIdleThatWorkedMs: this.longestIdleWorked === null ? null : Math.round(this.longestIdleWorked),
    };
  }
}
