/**
 * When the load generator itself was the bottleneck: its own event-loop delay adds to every latency it
 * measures, and an open model starts requests late. One definition for the diagnosis that explains it
 * and the gate that refuses to judge such a run.
 */
import type { ProfileReport } from './contract/report.js';
import { fmtMs, fmtPct } from './render/format.js';

/** Event-loop delay p99 at or above this means the generator's clock is off by as much. */
export const SATURATED_LOOP_P99_MS = 20;
/** A larger share of requests started late (more than 10 ms after their intended time)... */
export const SATURATED_LATE_RATIO = 0.01;
/** ...and at least this many: in a short run one pause makes 1% of a few dozen requests late. */
export const SATURATED_LATE_MIN = 10;

/** Why the generator counts as saturated in this profile's run, or null when it kept up. */
export function generatorSaturation(p: Pick<ProfileReport, 'eventLoop' | 'requests'>): string | null {
  const loop = p.eventLoop;
  const lateRatio = p.requests.total > 0 ? p.requests.late / p.requests.total : 0;
  const busyLoop = loop !== null && loop !== undefined && loop.p99Ms >= SATURATED_LOOP_P99_MS;
  const lateMany = lateRatio >= SATURATED_LATE_RATIO && p.requests.late >= SATURATED_LATE_MIN;
  if (!busyLoop && !lateMany) return null;
  return [busyLoop ? `event-loop delay p99 ${fmtMs(loop.p99Ms)}` : null, lateMany ? `${fmtPct(p.requests.late, p.requests.total)} of requests started late` : null]
    .filter(Boolean)
    .join(', ');
}
