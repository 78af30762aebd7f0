/**
 * The trace model's requests: line i of the trace (ordered by atMs) is the i-th request fired, with the
 * line's path and body over the workload's. Built once per profile, so firing costs an array read.
 */
import type { Scenario } from './scenario.js';
import { loadTrace } from './trace-file.js';
import type { WorkloadRequest } from './workload.js';

export interface TraceReplay {
  /** The lines' offsets in ms, ascending (the load's schedule). */
  atMs: Float64Array;
  /**
   * A request source for one stage, starting at the first line: the warm-up replays the trace's start,
   * then the measured run replays it from the beginning.
   */
  requests(): () => WorkloadRequest;
}

/** Read the scenario's trace (checked, cached) and pair each line with its request. */
export async function traceReplay(scenario: Scenario, workload: () => WorkloadRequest): Promise<TraceReplay> {
  const trace = await loadTrace(scenario.load.file as string, scenario.workload.method);
  // Lines without a path or body take the workload's (its cycle of pre-built bodies).
  const built: WorkloadRequest[] = trace.lines.map((line) => {
    const base = workload();
    return line.path === undefined && line.body === undefined ? base : { ...base, path: line.path ?? base.path, body: line.body ?? base.body };
  });
  return {
    atMs: trace.atMs,
    requests: () => {
      let i = 0;
      // The schedule fires each line once, in order; the modulo only guards against a caller asking more.
      return () => built[i++ % built.length] as WorkloadRequest;
    },
  };
}
