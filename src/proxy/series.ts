/**
 * Per-second maxima of two levels (connections open, requests in flight), bounded: past MAX_ROWS the rows
 * merge pairwise and each row spans twice as long, so a proxy left running for a day keeps a few hundred rows.
 */
const MAX_ROWS = 600;

export class LevelSeries {
  private readonly rows: { t: number; connections: number; inFlight: number }[] = [];
  /** Seconds per row. */
  private span = 1;

  constructor(private readonly originMs: number) {}

  /** The levels now (performance.now() ms): the row of this moment keeps its highest. */
  note(nowMs: number, connections: number, inFlight: number): void {
    const t = Math.floor((nowMs - this.originMs) / 1000 / this.span) * this.span;
    let last = this.rows[this.rows.length - 1];
    if (!last || last.t !== t) {
      if (this.rows.length >= MAX_ROWS) this.widen();
      last = { t: Math.floor((nowMs - this.originMs) / 1000 / this.span) * this.span, connections: 0, inFlight: 0 };
      this.rows.push(last);
    }
    if (connections > last.connections) last.connections = connections;
    if (inFlight > last.inFlight) last.inFlight = inFlight;
  }

  snapshot(): { t: number; connections: number; inFlight: number }[] {
    return this.rows.map((r) => ({ ...r }));
  }

  private widen(): void {
    this.span *= 2;
    const merged: typeof this.rows = [];
    for (const r of this.rows) {
      const t = Math.floor(r.t / this.span) * this.span;
      const last = merged[merged.length - 1];
      if (last && last.t === t) {
        last.connections = Math.max(last.connections, r.connections);
        last.inFlight = Math.max(last.inFlight, r.inFlight);
      } else merged.push({ ...r, t });
    }
    this.rows.length = 0;
    this.rows.push(...merged);
  }
}
