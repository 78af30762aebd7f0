/**
 * Capacity within an SLO: for one profile, the highest offered rate whose run holds a threshold beyond
 * noise. The search is bounded: doubling from the lowest rate until a rate fails (or the highest is
 * reached), then halving the interval between the last held and the first failed rate until it is within
 * `precision` of itself. Each trial has the gate's verdict on the SLO as a threshold (docs/gate-noise.md):
 * held (its confidence interval lies within the limit), failed (beyond it), or undecided (it straddles:
 * the trial was too short to say, or the generator's own delay may account for the value). An undecided trial is run again,
 * twice as long, up to `maxDurationS`; one still undecided is said so, and the search treats it as not held.
 */
import { parseGateExpressions, type Threshold } from '../metrics/index.js';
import type { ProfileReport } from '../runner/index.js';
import { thresholdCheck } from './threshold-verdict.js';
import { checkDetail } from './verdict-kit.js';

export type SweepVerdict = 'held' | 'failed' | 'undecided';

export interface SweepPoint {
  /** The offered rate asked for, requests/s. */
  rate: number;
  value: number | null;
  /** Half the width of the value's 95% interval (0: judged on the observed value), or null when nothing was measured. */
  margin: number | null;
  verdict: SweepVerdict;
  /** verdict === 'held' (what sweep files said before verdicts). */
  held: boolean;
  /** The verdict's detail in words: the value, its interval and what it rests on. */
  noise: string | null;
  /** The trial that decided (or the longest tried), seconds; and how many trials this rate took. */
  durationS: number;
  trials: number;
  requests: { total: number; ok: number; failed: number };
  /** Completed OK per second over the load window. */
  achieved: number | null;
}

export type Trial = Omit<SweepPoint, 'rate' | 'durationS' | 'trials'>;

/** How a run did against the SLO: the gate's own verdict on the threshold (threshold-verdict.ts), in the sweep's words. */
export function judgeTrial(slo: Threshold, p: ProfileReport): Trial {
  const base = { requests: { total: p.requests.total, ok: p.requests.ok, failed: p.requests.failed }, achieved: p.rate.achieved ?? null };
  const check = thresholdCheck(p, slo, undefined);
  const verdict: SweepVerdict = check.status === 'pass' ? 'held' : check.status === 'fail' ? 'failed' : 'undecided';
  const margin = check.interval ? (check.interval[1] - check.interval[0]) / 2 : check.value === null ? null : 0;
  return { ...base, value: check.value, margin, verdict, held: verdict === 'held', noise: checkDetail(check) };
}

export function parseSlo(expr: string): Threshold {
  const [slo] = parseGateExpressions([expr], []).thresholds;
  return slo as Threshold;
}

export interface SweepOptions {
  /** A trial's length, seconds; an undecided trial is repeated twice as long, up to maxDurationS. */
  durationS: number;
  maxDurationS: number;
  /** Stop bisecting when the last held and first failed rates are within this share of the held one. */
  precision?: number;
  /** Told after each trial (lengthened ones too): the progress line's source. */
  onTrial?: (point: SweepPoint, willLengthen: boolean) => void;
}

/** The most trials a profile's search can take (doubling, then bisection): what an ETA counts down. */
export function maxTrials(range: { from: number; to: number }, precision = 0.1): number {
  const doubling = range.to > range.from ? Math.ceil(Math.log2(range.to / range.from)) + 1 : 1;
  return doubling + (range.to > range.from ? Math.ceil(Math.log2(1 / precision)) : 0);
}

/**
 * The search: `measure(rate, durationS)` runs the profile at that rate for that long and returns its
 * report. Returns every rate tried, in order, and the highest rate held (null when even the lowest was not).
 */
export async function sweepRates(slo: Threshold, range: { from: number; to: number }, measure: (rate: number, durationS: number) => Promise<ProfileReport>, options: SweepOptions): Promise<{ points: SweepPoint[]; capacity: number | null }> {
  const precision = options.precision ?? 0.1;
  const points: SweepPoint[] = [];
  const tryRate = async (rate: number): Promise<boolean> => {
    for (let durationS = options.durationS, trials = 1; ; durationS *= 2, trials++) {
      const point: SweepPoint = { rate, durationS, trials, ...judgeTrial(slo, await measure(rate, durationS)) };
      const again = point.verdict === 'undecided' && durationS * 2 <= options.maxDurationS;
      options.onTrial?.(point, again);
      if (!again) {
        points.push(point);
        return point.held;
      }
    }
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
    if (mid <= held || mid >= failed) break;
    if (await tryRate(mid)) held = mid;
    else failed = mid;
  }
  return { points, capacity: held };
}
