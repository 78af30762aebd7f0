/**
 * What the load generator itself may have done to a metric. A generator that falls behind (a busy
 * machine, a saturated event loop) sends late and sees answers late, so it can only make latencies look
 * longer, goodput and the rate look lower; it cannot make a server answer 5xx. Each metric therefore has
 * two readings, the bounds of what the server and network did (metrics/measured.ts): for a latency, less
 * the generator's own known lag (`upper`) and less its event-loop stalls too (`lower`). A verdict stands
 * only when it holds at both: a failure must survive the generator's delay taken off, a pass must hold
 * with none of the uncertain part taken off.
 */
import { histogramOf, type MetricSpec } from '../metrics/index.js';
import type { ProfileReport } from '../runner/index.js';
import { generatorSaturation } from './saturation.js';

/** One reading of a metric: from this series, less `shiftMs` (a timing's values, lowered by a bound). */
export interface Reading {
  spec: MetricSpec;
  shiftMs: number;
}

export type GeneratorView =
  /** The server's part lies between these readings (equal when the generator cannot have moved it). */
  | { kind: 'range'; lower: Reading; upper: Reading }
  /** An older report (no per-request delay) whose generator was saturated: the metric as measured, by how much it is off unknown. */
  | { kind: 'unknown'; why: string; measured: Reading };

const asMeasured = (spec: MetricSpec): Reading => ({ spec, shiftMs: 0 });
const exact = (spec: MetricSpec): GeneratorView => ({ kind: 'range', lower: asMeasured(spec), upper: asMeasured(spec) });

/** Does this series of the profile hold every latency sample (not a part of the shards, not an older report)? */
function complete(p: ProfileReport, name: 'latencySent' | 'latencyNet'): boolean {
  return p.histograms[name] !== undefined && histogramOf(p, name).totalCount === histogramOf(p, 'latency').totalCount;
}

export function generatorView(spec: MetricSpec, p: ProfileReport): GeneratorView {
  const saturated = (): GeneratorView => {
    const why = generatorSaturation(p);
    return why === null ? exact(spec) : { kind: 'unknown', why, measured: asMeasured(spec) };
  };
  switch (spec.kind) {
    case 'duration': {
      if (spec.histogram === 'latency' && complete(p, 'latencyNet') && complete(p, 'latencySent')) {
        const as = (histogram: 'latencySent' | 'latencyNet', what: string) => ({ spec: { ...spec, name: `${spec.name} ${what}`, histogram }, shiftMs: 0 });
        return { kind: 'range', lower: as('latencyNet', "less the generator's delay"), upper: as('latencySent', "less the generator's lag") };
      }
      if (p.histograms.loopDelay === undefined) return saturated();
      // Other timings start when the request was sent: only the stalls apply, bounded by the loop's delay at that point.
      const loop = histogramOf(p, 'loopDelay');
      const stat = spec.stat;
      const us = loop.totalCount === 0 ? 0 : stat === 'avg' ? loop.mean : stat === 'max' ? loop.maxValue : stat === 'min' ? 0 : loop.getValueAtPercentile(stat.q);
      return { kind: 'range', lower: { spec, shiftMs: us / 1000 }, upper: asMeasured(spec) };
    }
    case 'ratio': {
      if (spec.name !== 'goodput') return exact(spec);
      if (p.goodput?.metNet === undefined) return saturated();
      const best: MetricSpec = { ...spec, name: "goodput less the generator's delay", num: 'goodNet', whole: (q) => (q.goodput ? [q.goodput.metNet ?? q.goodput.met, q.goodput.of] : [0, 0]) };
      return { kind: 'range', lower: asMeasured(spec), upper: { spec: best, shiftMs: 0 } };
    }
    case 'rate':
      // Requests sent late stretch the load window: a saturated generator lowers the rate it measures.
      return saturated();
    case 'count':
      return exact(spec);
  }
}
