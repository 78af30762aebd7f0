/**
 * When open-model requests are due. The offered rate r(t) (constant, changed by phases, or ramped by
 * stages) defines the expected count N(t) = ∫₀ᵗ r. The i-th request is due where N reaches i, so a load
 * of rate R for D seconds sends exactly R·D requests (no accumulated floating-point drift), a rate of 0
 * sends none, and a ramp sends its integral.
 */

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
 * Due times, in ms from the start, of requests 0, 1, 2, … (request i is due where N(t) = i). Returns
 * null once the next request would fall at or after the plan's duration, or after `limit` requests.
 */
export function dueTimes(plan: RatePlan, limit = Infinity): () => number | null {
  const segs = segmentsOf(plan);
  let i = 0;
  let k = 0;
  return () => {
    if (i >= limit) return null;
    // Requests are due where N crosses i; find the segment holding that point (monotone: never goes back).
    for (;;) {
      const s = segs[k];
      if (!s) return null;
      const dur = s.endS - s.startS;
      const count = Number.isFinite(dur) ? ((s.r0 + s.r1) / 2) * dur : Infinity;
      if (i - s.before < count || (count === Infinity && s.r0 > 0)) break;
      k++;
    }
    const s = segs[k] as Segment;
    const t = s.startS + invertWithin(s, i - s.before);
    if (!(t < plan.durationS)) return null;
    i++;
    return t * 1000;
  };
}
