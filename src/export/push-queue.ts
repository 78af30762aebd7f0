/**
 * One push exporter's queue: at most one request in flight, the snapshots that came meanwhile sent
 * together next (a bounded number: the oldest go first, and with them only resolution, since every value
 * is a running total), a time limit on every request, and one warning the first time the endpoint cannot
 * be reached. The run never waits on any of it: offer() returns at once.
 */
import type { Snapshot } from './snapshot.js';

export interface Pusher {
  /** What it is and where, for messages (no password: redactUrl). */
  readonly label: string;
  /** true: every snapshot is sent (remote write's 1 s resolution); false: only the latest matters (OTLP's cumulative points). */
  readonly sendsEvery: boolean;
  send(batch: readonly Snapshot[], signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/** Snapshots kept while a request is in flight or the endpoint is away: two minutes of seconds. */
export const MAX_QUEUED = 120;
/** How long one push may take before it counts as failed. */
export const PUSH_TIMEOUT_MS = 5_000;

export class PushQueue {
  private queued: Snapshot[] = [];
  private inFlight: Promise<void> | null = null;
  private warned = false;
  pushes = 0;
  failures = 0;

  constructor(
    readonly pusher: Pusher,
    private readonly warn: (line: string) => void,
    private readonly timeoutMs = PUSH_TIMEOUT_MS,
  ) {}

  offer(s: Snapshot): void {
    if (!this.pusher.sendsEvery) this.queued = [s];
    else {
      this.queued.push(s);
      if (this.queued.length > MAX_QUEUED) this.queued.splice(0, this.queued.length - MAX_QUEUED);
    }
    this.pump();
  }

  /** Send what is queued, waiting at most until `deadline` (performance.now() ms). */
  async flush(deadline: number): Promise<void> {
    for (;;) {
      const left = deadline - performance.now();
      if (left <= 0) return;
      if (!this.inFlight && this.queued.length === 0) return;
      this.pump(Math.ceil(Math.min(left, this.timeoutMs)));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.inFlight, new Promise((resolve) => (timer = setTimeout(resolve, left)))]);
      clearTimeout(timer);
    }
  }

  private pump(timeoutMs = this.timeoutMs): void {
    if (this.inFlight || this.queued.length === 0) return;
    const batch = this.queued;
    this.queued = [];
    this.pushes++;
    this.inFlight = this.pusher.send(batch, AbortSignal.timeout(timeoutMs)).then(
      () => {
        this.inFlight = null;
        this.pump();
      },
      (err: unknown) => {
        // Dropped: the next snapshot carries the same totals, later. Waits for the next offer, not a hot retry loop.
        this.inFlight = null;
        this.failures++;
        if (this.warned) return;
        this.warned = true;
        this.warn(`tailgate: cannot export to ${this.pusher.label}: ${reason(err)}. The run goes on and its report is written as usual; later failures are counted, not repeated.`);
      },
    );
  }
}

function reason(err: unknown): string {
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'no answer in time';
  return e?.code ?? e?.cause?.code ?? e?.message ?? String(err);
}
