/**
 * The load generator's own delay, measured while it runs: a timer due every millisecond notes how late
 * it fires. A late tick means the event loop was busy (GC, a burst of callbacks) or the process was not
 * running at all (a busy machine); whatever answer arrived meanwhile waited as long before the generator
 * saw it, so the wait is part of the latency it measured without being the server's.
 *
 * Every tick's lateness goes into a histogram (the run's event-loop delay at 1 ms resolution), and ticks
 * later than STALL_MIN_MS are kept, with when they were seen, in a ring: `stallSince(t)` gives the longest
 * stall since t, which bounds how late the generator saw the end of a request sent at t. O(stalls since
 * t) per call, usually none; no allocation.
 */
import { createHistogram, recordMs, type Histogram } from './histogram.js';

/** The probe's period: its resolution. */
export const PROBE_PERIOD_MS = 1;
/** A tick at least this late is a stall: below it is the timer's own jitter (libuv's clock ticks in ms). */
export const STALL_MIN_MS = 1;
const RING = 1024;
const MASK = RING - 1;

export class LoopProbe {
  /** Every tick's lateness (ms), for the run's event-loop delay. */
  readonly delay: Histogram = createHistogram();
  private timer: NodeJS.Timeout | null = null;
  private last = 0;
  private readonly seenAt = new Float64Array(RING);
  private readonly stallMs = new Float64Array(RING);
  private written = 0;

  constructor(private readonly now: () => number = () => performance.now()) {}

  start(): void {
    if (this.timer) return;
    this.last = this.now();
    this.timer = setInterval(this.tick, PROBE_PERIOD_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private readonly tick = (): void => {
    const t = this.now();
    const late = t - this.last - PROBE_PERIOD_MS;
    this.last = t;
    recordMs(this.delay, late > 0 ? late : 0);
    if (late >= STALL_MIN_MS) {
      const i = this.written & MASK;
      this.seenAt[i] = t;
      this.stallMs[i] = late;
      this.written++;
    }
  };

  /**
   * The longest stall that ended after `since` or is under way at `now` (ms; 0 when none, and always 0
   * while the probe is not running).
   */
  stallSince(since: number, now: number): number {
    if (!this.timer) return 0;
    // A stall under way: the probe is overdue now (this call itself may be running inside it).
    const overdue = now - this.last - PROBE_PERIOD_MS;
    let worst = overdue >= STALL_MIN_MS ? overdue : 0;
    const oldest = this.written > RING ? this.written - RING : 0;
    for (let n = this.written - 1; n >= oldest; n--) {
      const i = n & MASK;
      if ((this.seenAt[i] as number) < since) break;
      const s = this.stallMs[i] as number;
      if (s > worst) worst = s;
    }
    return worst;
  }
}
