/**
 * What the load generator itself may have done to a metric. A generator that falls behind (a busy
 * machine, a saturated event loop) sends late and sees answers late, so it can only make latencies look
 * longer, goodput and the rate look lower; it cannot make a server answer 5xx. The gate therefore judges
 * a failure on the metric with the generator's own delay taken off (a lower bound of what the server and
 * network took: metrics/measured.ts's latencyNet), and a pass on the metric as measured; a verdict stands
 * only when both agree.
 */
import { histogramOf, type MetricSpec } from '../metrics/index.js';
import type { ProfileReport } from '../runner/index.js';
import { generatorSaturation } from './saturation.js';

export type GeneratorView =
  /** The metric read from a series measured with the generator's delay taken off each request. */
  | { kind: 'net'; spec: MetricSpec }
  /** A timing whose values the generator may have lengthened by up to this much (its event loop's delay). */
  | { kind: 'shift'; ms: number }
  /** The generator cannot have moved this metric. */
  | { kind: 'none' }
  /** An older report (no per-request delay) whose generator was saturated: by how much is unknown. */
  | { kind: 'unknown'; why: string };

type Profile = ProfileReport;

/** Does the latency series have the generator's delay taken off every one of its samples? */
function hasNetLatency(p: Profile): boolean {
  if (p.histograms.latencyNet === undefined) return false;
  return histogramOf(p, 'latencyNet').totalCount === histogramOf(p, 'latency').totalCount;
}

export function generatorView(spec: MetricSpec, p: Profile): GeneratorView {
  const saturated = () => {
    const why = generatorSaturation(p);
    return why === null ? ({ kind: 'none' } as const) : ({ kind: 'unknown', why } as const);
  };
  switch (spec.kind) {
    case 'duration': {
      if (spec.histogram === 'latency' && hasNetLatency(p)) return { kind: 'net', spec: { ...spec, name: `${spec.name} less the generator's delay`, histogram: 'latencyNet' } };
      if (p.histograms.loopDelay === undefined) return saturated();
      const loop = histogramOf(p, 'loopDelay');
      if (loop.totalCount === 0) return { kind: 'none' };
      const stat = spec.stat;
      const us = stat === 'avg' ? loop.mean : stat === 'max' ? loop.maxValue : stat === 'min' ? 0 : loop.getValueAtPercentile(stat.q);
      return { kind: 'shift', ms: us / 1000 };
    }
    case 'ratio':
      if (spec.name !== 'goodput') return { kind: 'none' };
      if (p.goodput?.metNet === undefined) return saturated();
      return { kind: 'net', spec: { ...spec, name: "goodput less the generator's delay", num: 'goodNet', whole: (q) => (q.goodput ? [q.goodput.metNet ?? q.goodput.met, q.goodput.of] : [0, 0]) } };
    case 'rate':
      // Requests started late stretch the load window: a saturated generator lowers the rate it measures.
      return saturated();
    case 'count':
      return { kind: 'none' };
  }
}

/** How much of a value the generator may account for, in words (null when it cannot have moved it). */
export function generatorShare(measured: number, net: number | null, unit: (v: number) => string): string | null {
  if (net === null) return null;
  const d = Math.abs(measured - net);
  return d > 0 ? `the load generator's own delay may account for up to ${unit(d)} of it` : null;
}
