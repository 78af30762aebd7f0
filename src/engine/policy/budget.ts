/**
 * A hedge or retry budget: tokens are earned per primary request (pct of primaries) over a sliding
 * window, plus a small floor per window so low traffic is not starved. tryTake() checks and takes in one
 * step, so the balance can never go below zero; one budget is shared by every call of a client.
 * (In the manner of Finagle's RetryBudget; unlike one-off per-call counters, it cannot wrap around.)
 */
export interface BudgetOptions {
  /** Tokens earned per primary, 0..3 (0.1 = one extra attempt per ten primaries). */
  pct: number;
  /** Tokens available per window whatever the traffic. */
  floor: number;
  /** Sliding window length. */
  windowMs: number;
  now?: () => number;
}

const SLOTS = 10;
/** The default clock, one function for every budget, so budgets on it can share a reading (earnBoth). */
const PERFORMANCE_NOW = (): number => performance.now();

export class Budget {
  /** Tokens earned per primary from now on; earlier earnings in the window stand. */
  pct: number;
  private readonly earned = new Float64Array(SLOTS);
  private readonly spent = new Float64Array(SLOTS);
  private readonly slotMs: number;
  private readonly now: () => number;
  private lastSlot: number;

  constructor(private readonly options: BudgetOptions) {
    this.pct = options.pct;
    this.slotMs = options.windowMs / SLOTS;
    this.now = options.now ?? PERFORMANCE_NOW;
    this.lastSlot = Math.floor(this.now() / this.slotMs);
  }

  /** A primary request was sent: earn pct of a token. */
  earn(): void {
    this.earned[this.rotate(this.now())]! += this.pct;
  }

  /** earn() on two budgets, reading the clock once when they share one (the client's hedge and retry budgets). */
  static earnBoth(a: Budget, b: Budget): void {
    const t = a.now();
    a.earned[a.rotate(t)]! += a.pct;
    b.earned[b.rotate(b.now === a.now ? t : b.now())]! += b.pct;
  }

  /** Take one token if the balance allows; false (and nothing taken) otherwise. */
  tryTake(): boolean {
    const slot = this.rotate(this.now());
    if (this.balance() < 1) return false;
    this.spent[slot]! += 1;
    return true;
  }

  /** Whether a token could be taken now (takes nothing). */
  canTake(): boolean {
    return this.balance() >= 1;
  }

  /** Tokens available now: floor + earned - spent over the window. */
  balance(): number {
    this.rotate(this.now());
    let earned = 0;
    let spent = 0;
    for (let i = 0; i < SLOTS; i++) {
      earned += this.earned[i]!;
      spent += this.spent[i]!;
    }
    // Guard against floating-point dust (0.1 * 10 = 0.9999999999999999).
    return Math.max(0, this.options.floor + earned - spent + 1e-9);
  }

  /** Advance the window, clearing slots that fell out of it; returns the current slot. */
  private rotate(now: number): number {
    const current = Math.floor(now / this.slotMs);
    const gap = current - this.lastSlot;
    if (gap > 0) {
      for (let i = 1; i <= Math.min(gap, SLOTS); i++) {
        const slot = (this.lastSlot + i) % SLOTS;
        this.earned[slot] = 0;
        this.spent[slot] = 0;
      }
      this.lastSlot = current;
    }
    return current % SLOTS;
  }
}
