/**
 * The trace model's requests: line i of the trace (ordered by atMs) is the i-th request fired, with the
 * line's path and body over the workload's. Built once per profile, so firing costs an array read.
 */
import type { Scenario } from '../scenario/scenario.js';
import { loadTrace, type Trace } from './trace-file.js';
import type { WorkloadRequest } from '../scenario/workload.js';
import type { Shard } from './shard.js';

function everyNth(trace: Trace, shard: Shard): Trace {
  const keep = (_: unknown, i: number) => i % shard.count === shard.index - 1;
  return { ...trace, lines: trace.lines.filter(keep), atMs: trace.atMs.filter(keep) };
}

export interface TraceReplay {
  /** The lines' offsets in ms, ascending (the load's schedule). */
  atMs: Float64Array;
  /**
   * A request source for one stage, starting at the first line: the warm-up replays the trace's start,
   * then the measured run replays it from the beginning.
   */
  requests(): () => WorkloadRequest;
}

/**
 * Read the scenario's trace (checked, cached) and pair each line with its request. A shard i of N replays
 * every Nth line from line i-1 at its own offset: together the shards replay each line once, at its time.
 */
export async function traceReplay(scenario: Scenario, workload: () => WorkloadRequest, shard?: Shard): Promise<TraceReplay> {
  const whole = await loadTrace(scenario.load.file as string, scenario.workload.method);
  const trace = shard && shard.count > 1 ? everyNth(whole, shard) : whole;
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
