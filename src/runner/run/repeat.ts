/**
 * `tailgate run --repeat N`: the scenario N times, one report. Each profile is the sum of its runs
 * (histograms exact, rates the mean) and keeps every run's own measurements in `repeats`, so the gate can
 * measure the spread between runs (the only noise estimate that sees the machine change between runs).
 */
import { addMockStats } from '../../../mock-server/index.js';
import { InvalidInputError } from '../../engine/index.js';
import { problemsOf, Type } from '../../util/schema.js';
import { concatMeasured, MAX_REPEAT, type MeasuredProfile } from '../../metrics/index.js';
import { addAround, type ProfileReport, type Report } from '../../report/index.js';
import { newRunId } from './live.js';
import { runScenario, type RunOptions } from './run.js';
import type { Scenario } from '../scenario/scenario.js';

/** The most runs one report combines: metrics' limit, which a report's declaration holds it to. */
export { MAX_REPEAT };

export function checkRepeat(times: number): void {
  const problems = problemsOf(Type.Integer({ minimum: 1, maximum: MAX_REPEAT }), times, '--repeat');
  if (problems.length) throw new InvalidInputError('arguments', problems);
}

/** Run the scenario `times` times (stopping early with what was measured when one is stopped). */
export async function runRepeated(scenario: Scenario, options: RunOptions, times: number, onRun?: (i: number) => void): Promise<Report> {
  checkRepeat(times);
  const runs: Report[] = [];
  // One id for all the runs: their live series are one run's (each repeat starts its counters again).
  const once = { ...options, runId: options.runId ?? newRunId() };
  for (let i = 0; i < times; i++) {
    if (i > 0 && options.signal?.aborted) break;
    onRun?.(i);
    const r = await runScenario(scenario, once);
    runs.push(r);
    if (r.partial) break;
  }
  return times === 1 ? (runs[0] as Report) : combineRuns(runs, times);
}

/**
 * What surrounds the measured numbers, for profiles measured apart (shards, repeats): the generator's
 * worst event-loop delay, and the mock's counts added (its peak gauges the highest).
 */
/** Only the numbers of a run (its timeline and intervals live in the combined profile). */
function measuredOnly(p: ProfileReport): MeasuredProfile {
  const { name: _n, description: _d, preset: _p, config: _c, client: _cl, phases: _ph, warmup: _w, eventLoop: _e, server: _s, findings: _f, repeats: _r, intervals: _i, ...measured } = p;
  return { ...measured, timeline: [] };
}

export function combineRuns(runs: Report[], asked = runs.length): Report {
  const [first] = runs;
  if (!first) throw new Error('combineRuns needs at least one run');
  const names = first.profiles.map((p) => p.name);
  const profiles = names.map((name): ProfileReport => {
    const parts = runs.flatMap((r) => r.profiles.filter((p) => p.name === name));
    const head = parts[0] as ProfileReport;
    return {
      ...head,
      ...concatMeasured(parts),
      ...addAround(parts, addMockStats),
      findings: [],
      repeats: parts.map(measuredOnly),
    };
  });
  return {
    ...first,
    endedAt: runs.at(-1)!.endedAt,
    partial: runs.some((r) => r.partial) || runs.length < asked,
    repeat: runs.length,
    profiles,
  };
}
