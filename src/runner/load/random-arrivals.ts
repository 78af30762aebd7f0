/**
 * Random arrivals, as vLLM's benchmark draws them: gaps from Gamma(shape = burstiness, scale =
 * 1/(rate·burstiness)), so burstiness 1 is a Poisson process and lower values cluster requests (the gaps'
 * coefficient of variation is 1/√burstiness). Seeded: the same seed gives every profile the same arrivals.
 *
 * A load of R/s for D s must still send exactly the n = R·D requests constant arrivals send, so the gaps
 * are drawn and then scaled until all n fall in the window: the points are n gaps' partial sums divided
 * by the sum of all n gaps (the last gap is the idle time before the window ends), times the window.
 * Scaling keeps the coefficient of variation. That ratio is a Dirichlet(burstiness, …) vector, which can be
 * drawn one gap at a time by stick-breaking (gap i takes Beta(k, (n-i)·k) of what is left), so nothing
 * is drawn up front and nothing is stored: a day at 10 000/s starts at once and holds no array.
 *
 * Points are in count units (the expected count N(t)); arrivals.ts maps them to time through N's
 * inverse, so for a constant rate R a point u is due at u/R, and phases and ramps bend the same process.
 */
import { seededRandom } from '../../../mock-server/index.js';
import { betaSampler } from './gamma.js';

export interface Arrival {
  kind: 'poisson' | 'gamma';
  /** The gaps' Gamma shape: 1 is Poisson, below 1 burstier, above 1 more regular. */
  burstiness: number;
  seed: number;
}

/**
 * Due times in ms of `n` requests spread over [0, window) in count units (`window` is N at the end; when
 * the load is bounded by a count instead, n itself). `at` maps a count to seconds.
 */
export function randomDueTimes(arrival: Arrival, n: number, window: number, at: (count: number) => number): () => number | null {
  const k = arrival.kind === 'poisson' ? 1 : arrival.burstiness;
  const span = Math.min(window, n);
  const beta = betaSampler(seededRandom(arrival.seed));
  let i = 0;
  let u = 0;
  /** The share of the window not yet used by a gap (the gaps still to come, the last one included). */
  let rest = 1;
  let last = 0;
  return () => {
    if (i >= n) return null;
    if (i > 0) {
      // n gaps in all; before point i, gaps 0..i-2 are placed, and gap i-1 is one of the n-i+1 left.
      const b = beta(k, (n - i) * k);
      u += span * rest * b;
      rest *= 1 - b;
    }
    i++;
    // u < span by construction; a rounding error at the very end must not make a request due never.
    const t = at(u);
    if (Number.isFinite(t)) last = t;
    return last * 1000;
  };
}
