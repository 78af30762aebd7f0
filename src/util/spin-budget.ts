/**
 * Acting at an exact moment, shared by the runner's open loop and the mock's delays. Node's timers count
 * whole milliseconds of a clock read once per loop turn, so a timer alone fires up to a millisecond or two
 * late (and, against performance.now(), sometimes early). So a timer is asked to wake EARLY_MS before the
 * moment, and the rest is waited out in setImmediate turns, which are not late and let I/O in between.
 *
 * Those turns poll the loop without rest: each wait costs up to EARLY_MS of a core. A SpinBudget keeps
 * that to a share of a core, from how many waits began in the last full second; past it, timers alone
 * (up to a millisecond late). At 4,600 requests/s unbounded turns had tripled the runner's CPU per request
 * for a median lateness of 0.2 ms instead of 1 ms, and no better p99, which stalls set, not timers.
 */
export const EARLY_MS = 1.5;

export class SpinBudget {
  private readonly maxPerSecond: number;
  private thisSecond = 0;
  private lastSecond = 0;
  private secondStart = Number.NEGATIVE_INFINITY;

  /** `coreShare`: the most of a core the turns may take (0.25: a quarter). */
  constructor(coreShare: number) {
    this.maxPerSecond = (coreShare * 1000) / EARLY_MS;
  }

  /** A wait for a moment began at `now` (performance.now()). */
  note(now: number): void {
    if (now - this.secondStart >= 1000) {
      this.lastSecond = now - this.secondStart >= 2000 ? 0 : this.thisSecond;
      this.thisSecond = 0;
      this.secondStart = now;
    }
    this.thisSecond++;
  }

  /** Whether the last EARLY_MS of a wait may be spent in setImmediate turns. */
  get affordable(): boolean {
    return Math.max(this.thisSecond, this.lastSecond) <= this.maxPerSecond;
  }
}
