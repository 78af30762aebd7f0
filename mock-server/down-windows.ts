/**
 * The listener's down windows (FaultConfig.down): the port closes `atMs` after the faults were set and
 * opens again `forMs` later, so clients meet connection refused meanwhile.
 */

/** What a down window does to the listener. */
export interface DownPort {
  /** A window starts (counted even when it overlaps one already under way). */
  windowStarts(): void;
  close(): void;
  reopen(): void;
}

export class DownWindows {
  private scheduled: NodeJS.Timeout[] = [];
  /** The end of the window under way (null: the port is open). */
  private reopenTimer: NodeJS.Timeout | null = null;

  constructor(private readonly port: DownPort) {}

  /**
   * Replace the schedule. New faults say what is down from now on: a window under way ends now (the port
   * opens again), so faults replaced through the admin API can undo a window they set; the new windows
   * start counting now.
   */
  schedule(windows: readonly { atMs: number; forMs: number }[]): void {
    for (const timer of this.scheduled.splice(0)) clearTimeout(timer);
    if (this.reopenTimer !== null) {
      clearTimeout(this.reopenTimer);
      this.reopenTimer = null;
      this.port.reopen();
    }
    for (const window of windows) this.scheduled.push(setTimeout(() => this.start(window.forMs), window.atMs));
  }

  /** Shutdown: no window starts or ends any more. */
  cancel(): void {
    for (const timer of this.scheduled.splice(0)) clearTimeout(timer);
    if (this.reopenTimer !== null) clearTimeout(this.reopenTimer);
  }

  private start(forMs: number): void {
    this.port.windowStarts();
    // A window starting inside another: the port is already closed, and now reopens when this one ends.
    if (this.reopenTimer === null) this.port.close();
    else clearTimeout(this.reopenTimer);
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = null;
      this.port.reopen();
    }, forMs);
  }
}
