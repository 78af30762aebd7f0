/**
 * When open-model requests are due. The offered rate r(t) (constant, changed by phases, or ramped by
 * stages) defines the expected count N(t) = ∫₀ᵗ r. The i-th request is due where N reaches i, so a load
 * of rate R for D seconds sends exactly R·D requests (no accumulated floating-point drift), a rate of 0
 * sends none, and a ramp sends its integral. Random arrivals (random-arrivals.ts) draw points in count
 * units and map them through the same inverse of N, so phases and ramps shape them as they shape
 * constant arrivals.
 */

import { randomDueTimes, type Arrival } from './random-arrivals.js';

export type { Arrival } from './random-arrivals.js';

/** One piece of the rate function: linear from r0 to r1 over [startS, endS). */
interface Segment {
  startS: number;
  endS: number;
  r0: number;
  r1: number;
  /** N at startS. */
  before: number;
}

export interface RatePlan {
  /** Random arrivals (absent: constant, request i exactly where N(t) = i). */
  arrival?: Arrival;
  /** Rate changes: [{atS, rate}] (constant between them), or ramp stages. */
  steps?: { atS: number; rate: number }[];
  stages?: { durationS: number; rate: number }[];
  /** Seconds of load; Infinity when bounded only by a request count. */
  durationS: number;
}

function segmentsOf(plan: RatePlan): Segment[] {
  const segs: Omit<Segment, 'before'>[] = [];
  if (plan.stages) {
    let at = 0;
    let from = 0;
    for (const s of plan.stages) {
      segs.push({ startS: at, endS: at + s.durationS, r0: from, r1: s.rate });
      at += s.durationS;
      from = s.rate;
    }
    // After the last stage the rate holds (only reached when a request count, not time, ends the load).
    segs.push({ startS: at, endS: Infinity, r0: from, r1: from });
  } else {
    const steps = [...(plan.steps ?? [])].sort((a, b) => a.atS - b.atS);
    steps.forEach((s, i) => {
      const next = steps[i + 1];
      segs.push({ startS: s.atS, endS: next ? next.atS : Infinity, r0: s.rate, r1: s.rate });
    });
  }
  let before = 0;
  return segs
    .filter((s) => s.endS > s.startS)
    .map((s) => {
      const seg = { ...s, before };
      if (Number.isFinite(s.endS)) before += ((s.r0 + s.r1) / 2) * (s.endS - s.startS);
      return seg;
    });
}

/** Seconds into segment `s` at which N has grown by `n` (0 <= n <= the segment's count). */
function invertWithin(s: Segment, n: number): number {
  const dur = s.endS - s.startS;
  if (s.r0 === s.r1 || !Number.isFinite(dur)) return s.r0 > 0 ? n / s.r0 : Infinity;
  const a = (s.r1 - s.r0) / (2 * dur);
  const disc = s.r0 * s.r0 + 4 * a * n;
  return (-s.r0 + Math.sqrt(Math.max(0, disc))) / (2 * a);
}

/** The expected count N at `durationS`: how many requests the plan offers. */
export function expectedCount(plan: RatePlan): number {
  return countAt(segmentsOf(plan), plan.durationS);
}

function countAt(segs: Segment[], t: number): number {
  let n = 0;
  for (const s of segs) {
    if (t <= s.startS) break;
    const end = Math.min(t, s.endS);
    const dur = s.endS - s.startS;
    const tau = end - s.startS;
    const rAtEnd = Number.isFinite(dur) ? s.r0 + ((s.r1 - s.r0) * tau) / dur : s.r0;
    n = s.before + ((s.r0 + rAtEnd) / 2) * tau;
  }
  return n;
}

/**
 * Seconds at which N(t) reaches `x`, for counts `x` that never decrease between calls (a cursor over
 * the segments, so a whole schedule costs one pass); Infinity if N never reaches it.
 */
function countToTime(segs: Segment[]): (x: number) => number {
  let k = 0;
  return (x) => {
    for (;;) {
      const s = segs[k];
      if (!s) return Infinity;
      const dur = s.endS - s.startS;
      const count = Number.isFinite(dur) ? ((s.r0 + s.r1) / 2) * dur : Infinity;
      if (x - s.before < count || (count === Infinity && s.r0 > 0)) return s.startS + invertWithin(s, x - s.before);
      k++;
    }
  };
}

/**
 * Due times, in ms from the start, of requests 0, 1, 2, … Returns null once the next request would fall
 * at or after the plan's duration, or after `limit` requests. Constant arrivals put request i where
 * N(t) = i; random ones are in random-arrivals.ts.
 */
export function dueTimes(plan: RatePlan, limit = Infinity): () => number | null {
  const segs = segmentsOf(plan);
  if (plan.arrival) return randomDueTimes(plan.arrival, scheduledCount(segs, plan.durationS, limit), countWindow(segs, plan.durationS), countToTime(segs));
  const at = countToTime(segs);
  let i = 0;
  return () => {
    if (i >= limit) return null;
    const t = at(i);
    if (!(t < plan.durationS)) return null;
    i++;
    return t * 1000;
  };
}

/**
 * How many requests the constant schedule sends (the first i not due before the end, at most `limit`):
 * random arrivals send exactly as many, so R·D rounds the same way whatever the arrival.
 */
function scheduledCount(segs: Segment[], durationS: number, limit: number): number {
  const expected = countAt(segs, durationS);
  let hi = Math.min(limit, Number.isFinite(expected) ? Math.ceil(expected) + 1 : Infinity);
  if (!Number.isFinite(hi)) throw new Error('random arrivals need a duration or a request count');
  let lo = 0;
  // Due times grow with i: binary search for the first one at or past the end (each probe a fresh cursor).
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (countToTime(segs)(mid) < durationS) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** N at the end, when finite: the count-space window random arrivals are spread over. */
function countWindow(segs: Segment[], durationS: number): number {
  const n = countAt(segs, durationS);
  return Number.isFinite(n) ? n : Infinity;
}
