/**
 * The scenario's `load:` block beyond what the spec checks field by field: which fields belong to which
 * model (random arrivals to open and ramping, a trace file to trace), and the trace file's path, which
 * is relative to the scenario's folder (a scenario and its trace travel together).
 */
import { dirname, isAbsolute, join } from 'node:path';

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const RANDOM_MODELS = ['open', 'ramping'];
/** Fields that set times or counts the trace's lines already set. */
const NOT_FOR_TRACE = ['rate', 'stages', 'users', 'burstSize', 'burstGapMs'];

export function loadProblems(load: Raw, phases: Raw[] | undefined): string[] {
  const out: string[] = [];
  for (const f of ['arrival', 'burstiness', 'seed']) {
    if (load[f] !== undefined && !RANDOM_MODELS.includes(load.model)) out.push(`load.${f} applies to the open and ramping models, not ${load.model}`);
  }
  if (RANDOM_MODELS.includes(load.model)) {
    if (load.arrival === 'gamma' && load.burstiness === undefined) out.push('load.burstiness is required for arrival gamma (1 is Poisson, below 1 burstier)');
    // Poisson is gamma with burstiness 1: any other value with poisson (or constant) contradicts it.
    if (load.arrival !== 'gamma' && load.burstiness !== undefined) out.push(`load.burstiness applies to arrival gamma, not ${load.arrival ?? 'constant'} (poisson is gamma with burstiness 1)`);
  }
  for (const f of ['file', 'speedup']) {
    if (load[f] !== undefined && load.model !== 'trace') out.push(`load.${f} applies to the trace model, not ${load.model}`);
  }
  if (load.model === 'trace') {
    for (const f of NOT_FOR_TRACE) if (load[f] !== undefined) out.push(`load.${f} does not apply to the trace model: its lines set when requests are sent`);
    (phases ?? []).forEach((p, i) => {
      if (p.rate !== undefined) out.push(`phases[${i}].rate does not apply to the trace model: its lines set when requests are sent`);
    });
  }
  return out;
}

/** The load as resolved: a relative trace file is taken from the scenario's folder. */
export function resolveLoad(load: Raw, scenarioFile: string | null): Raw {
  if (load.model !== 'trace' || typeof load.file !== 'string' || isAbsolute(load.file) || scenarioFile === null) return load;
  return { ...load, file: join(dirname(scenarioFile), load.file) };
}
