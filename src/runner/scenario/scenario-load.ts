/**
 * The scenario's `load:` block beyond what its declaration checks (each model's own fields: LOAD in
 * scenario-spec.ts): which arrival takes a burstiness, what a trace's lines already set, and the trace
 * file's path, which is relative to the scenario's folder (a scenario and its trace travel together).
 */
import { dirname, isAbsolute, join } from 'node:path';
import { problem } from '../../util/schema.js';
import type { ScenarioInput } from './scenario-spec.js';

type Load = ScenarioInput['load'];

export function loadProblems(load: Load, phases: ScenarioInput['phases']): string[] {
  const out: string[] = [];
  if (load.model === 'open' || load.model === 'ramping') {
    if (load.arrival === 'gamma' && load.burstiness === undefined) out.push(problem('load.burstiness', 'is required for arrival gamma (1 is Poisson, below 1 burstier)'));
    // Poisson is gamma with burstiness 1: any other value with poisson (or constant) contradicts it.
    if (load.arrival !== 'gamma' && load.burstiness !== undefined) out.push(problem('load.burstiness', `applies to arrival gamma, not ${load.arrival ?? 'constant'} (poisson is gamma with burstiness 1)`));
  }
  if (load.model === 'trace') {
    (phases ?? []).forEach((p, i) => {
      if (p.rate !== undefined) out.push(problem(`phases[${i}].rate`, 'does not apply to the trace model: its lines set when requests are sent'));
    });
  }
  // Ramps end with their stages, traces with their last line.
  if (load.model !== 'ramping' && load.model !== 'trace' && load.durationS === undefined && load.requests === undefined) {
    out.push(problem('load', 'needs durationS or requests (how long to run)'));
  }
  return out;
}

/** The load as resolved: a relative trace file is taken from the scenario's folder. */
export function resolveLoad<L extends { model: string; file?: string }>(load: L, scenarioFile: string | null): L {
  if (load.model !== 'trace' || typeof load.file !== 'string' || isAbsolute(load.file) || scenarioFile === null) return load;
  return { ...load, file: join(dirname(scenarioFile), load.file) };
}
