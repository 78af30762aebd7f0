/**
 * A client-side port budget, as a NAT gateway or a small ephemeral range imposes: each new connection
 * binds a local port from the budget, and a port whose connection closed stays unusable for the hold
 * (TIME_WAIT's 60 s, or the gateway's own). On loopback Linux would reuse a TIME_WAIT port at once
 * (tcp_tw_reuse), so the hold is kept here, as a NAT gateway keeps its own. A budget belongs to one
 * engine (one origin): its connections, new client per request (pool.mode per-request) included, draw
 * from the same ports, as every client behind one gateway does; another profile gets its own budget.
 */
import { Fifo } from '../../util/index.js';

interface Held {
  port: number;
  until: number;
}

export class PortBudget {
  /** Ports never used or back from their hold, taken round-robin as the kernel does. */
  private readonly free = new Fifo<number>();
  private readonly held = new Fifo<Held>();
  inUse = 0;

  constructor(
    readonly from: number,
    readonly to: number,
    private readonly holdMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    for (let p = from; p <= to; p++) this.free.push(p);
  }

  get size(): number {
    return this.to - this.from + 1;
  }

  get heldCount(): number {
    this.expire();
    return this.held.length;
  }

  /** A free local port, or null when every port is in use or held. */
  take(): number | null {
    this.expire();
    const port = this.free.shift();
    if (port === undefined) return null;
    this.inUse++;
    return port;
  }

  /** The connection on `port` closed (or never connected): the port is held, then free again. */
  release(port: number): void {
    this.inUse--;
    if (this.holdMs === 0) this.free.push(port);
    else this.held.push({ port, until: this.now() + this.holdMs });
  }

  /** Holds end in the order they began (one hold length per budget), so the queue's head is the next. */
  private expire(): void {
    const t = this.now();
    for (let h = this.held.peek(); h !== undefined && h.until <= t; h = this.held.peek()) {
      this.held.shift();
      this.free.push(h.port);
    }
  }
}
