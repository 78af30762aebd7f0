/**
 * Everything measured for one profile's run. It is the engine's observer (attempts, sockets) and the
 * runner's sink for logical requests. Memory stays flat: HDR histograms and counters, and one small
 * row per second for the timeline.
 */
import type { AttemptRecord, EngineObserver, SocketInfo } from '../engine/index.js';
import { createHistogram, recordMs, type Histogram } from './histogram.js';

export interface TimelineRow {
  /** Seconds since the measured run began. */
  t: number;
  /** Logical requests completed in this second. */
  rps: number;
  p50Ms: number | null;
  p99Ms: number | null;
  /** Failed logical requests in this second. */
  errors: number;
  /** Failed attempts by error code in this second. */
  errorsByCode: Record<string, number>;
  inFlight: number;
  /** Connections opened, and attempts on a reused connection, in this second. */
  connectionsOpened: number;
  connectionsReused: number;
}

export class ProfileMetrics implements EngineObserver {
  readonly latency = createHistogram();
  readonly queueWait = createHistogram();
  readonly connect = createHistogram();
  readonly ttfb = createHistogram();
  readonly requests = { total: 0, ok: 0, failed: 0, late: 0 };
  readonly attempts = { total: 0, primary: 0, hedge: 0, retry: 0 };
  readonly statuses: Record<string, number> = {};
  readonly errors: Record<string, number> = {};
  /** Logical requests by the code they finally failed with. */
  readonly requestErrors: Record<string, number> = {};
  readonly connections = { opened: 0, reused: 0, closedByServer: 0, closedByClient: 0, stale: 0 };
  readonly timeline: TimelineRow[] = [];
  inFlight = 0;
  /** Stop recording (warm-up metrics are thrown away by not recording into this). */
  recording = true;

  private origin = 0;
  private second: Histogram = createHistogram();
  private row: TimelineRow;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.row = this.newRow(0);
  }

  /** Start the clock of the timeline. */
  start(): void {
    this.origin = this.now();
    this.row = this.newRow(0);
    this.timer = setInterval(() => this.closeSecond(), 1000);
    this.timer.unref();
  }

  /** Close the last (partial) second and record nothing more (closing the client is not the run). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.closeSecond();
    this.recording = false;
  }

  // ---- engine events (per attempt, per socket) ----

  onAttemptEnd(a: AttemptRecord): void {
    if (!this.recording) return;
    this.attempts.total++;
    this.attempts[a.kind]++;
    if (a.status !== null && a.status > 0) bump(this.statuses, String(a.status));
    if (a.error !== null) {
      bump(this.errors, a.error.code);
      bump(this.row.errorsByCode, a.error.code);
      if (a.error.code === 'stale_connection') this.connections.stale++;
    }
    recordMs(this.queueWait, a.queueWaitMs);
    if (a.connectMs !== null) recordMs(this.connect, a.connectMs);
    if (a.ttfbMs !== null) recordMs(this.ttfb, a.ttfbMs);
    if (a.reusedSocket) {
      this.connections.reused++;
      this.row.connectionsReused++;
    }
  }

  onSocketOpen(_s: SocketInfo): void {
    if (!this.recording) return;
    this.connections.opened++;
    this.row.connectionsOpened++;
  }

  onSocketClose(s: SocketInfo): void {
    if (!this.recording) return;
    if (s.closedBy === 'server') this.connections.closedByServer++;
    else this.connections.closedByClient++;
  }

  // ---- runner events (per logical request) ----

  requestStarted(late: boolean): void {
    this.inFlight++;
    if (!this.recording) return;
    this.requests.total++;
    if (late) this.requests.late++;
  }

  /** A logical request ended; latency is measured from its intended start (no coordinated omission). */
  requestEnded(latencyMs: number, errorCode: string | null): void {
    this.inFlight--;
    if (!this.recording) return;
    recordMs(this.latency, latencyMs);
    this.row.rps++;
    if (errorCode === null) {
      this.requests.ok++;
      recordMs(this.second, latencyMs);
    } else {
      this.requests.failed++;
      this.row.errors++;
      bump(this.requestErrors, errorCode);
    }
  }

  private closeSecond(): void {
    const s = this.second;
    this.row.p50Ms = s.totalCount ? s.getValueAtPercentile(50) / 1000 : null;
    this.row.p99Ms = s.totalCount ? s.getValueAtPercentile(99) / 1000 : null;
    this.row.inFlight = this.inFlight;
    if (this.recording) this.timeline.push(this.row);
    s.reset();
    this.row = this.newRow(Math.round((this.now() - this.origin) / 1000));
  }

  private newRow(t: number): TimelineRow {
    return { t, rps: 0, p50Ms: null, p99Ms: null, errors: 0, errorsByCode: {}, inFlight: 0, connectionsOpened: 0, connectionsReused: 0 };
  }
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}
