/**
 * Capacity within an SLO: for one profile, the highest offered rate whose run holds a threshold beyond
 * noise. The search is bounded: doubling from the lowest rate until a rate fails (or the highest is
 * reached), then halving the interval between the last held and the first failed rate until it is within
 * `precision` of itself. A rate is held only when its value stays on the right side of the limit by more
 * than the run's own noise (batch means, noise.ts): a pass within noise is not capacity.
 */
import { holds, parseGateExpressions, valueOf, type Threshold } from '../metrics/index.js';
import type { ProfileReport } from '../runner/index.js';
import { runNoise, tQuantile975 } from './noise.js';

export interface SweepPoint {
  rate: number;
  value: number | null;
  /** The value's noise margin (97.5%), or null when it could not be estimated. */
  margin: number | null;
  held: boolean;
}

/** Does this run hold the SLO beyond noise? */
export function holdsBeyondNoise(slo: Threshold, p: ProfileReport): SweepPoint {
  const rate = p.rate.offered ?? 0;
  const value = valueOf(slo.spec, p).value;
  if (value === null) return { rate, value, margin: null, held: false };
  const noise = runNoise(slo.spec, p);
  const margin = noise ? tQuantile975(noise.df) * noise.se : 0;
  // The value pushed towards the limit by its margin must still hold.
  const worst = slo.op === '<' || slo.op === '<=' ? value + margin : slo.op === '>' || slo.op === '>=' ? value - margin : value;
  return { rate, value, margin, held: holds[slo.op](value, slo.limit) && holds[slo.op](worst, slo.limit) };
}

export function parseSlo(expr: string): Threshold {
  const [slo] = parseGateExpressions([expr], []).thresholds;
  return slo as Threshold;
}

/**
 * The search: `measure(rate)` runs the profile at that rate and returns its report. Returns every point
 * tried, in order, and the highest rate held (null when even the lowest failed).
 */
export async function sweepRates(
  slo: Threshold,
  range: { from: number; to: number },
  measure: (rate: number) => Promise<ProfileReport>,
  precision = 0.1,
): Promise<{ points: SweepPoint[]; capacity: number | null }> {
  const points: SweepPoint[] = [];
  const tryRate = async (rate: number) => {
    const point = holdsBeyondNoise(slo, await measure(rate));
    points.push({ ...point, rate });
    return point.held;
  };
  let held: number | null = null;
  let failed: number | null = null;
  for (let rate = range.from; ; rate = Math.min(range.to, rate * 2)) {
    if (await tryRate(rate)) held = rate;
    else {
      failed = rate;
      break;
    }
    if (rate >= range.to) break;
  }
  while (held !== null && failed !== null && failed - held > precision * held) {
    const mid = Math.round(((held + failed) / 2) * 10) / 10;
    if (await tryRate(mid)) held = mid;
    else failed = mid;
  }
  return { points, capacity: held };
}
