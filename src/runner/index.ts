export { runScenario, type RunOptions, type Progress } from './run.js';
export { TargetUnreachableError } from '../engine/index.js';
export { loadScenario, resolveScenario, scenarioJsonSchema, SCENARIO_SPEC, type Scenario, type ResolvedProfile } from './scenario.js';
export type { Report, ProfileReport, Finding } from './report-types.js';
export { runLoad, rampRate, LATE_AFTER_MS } from './load.js';
export { probe, PROBE_DEFAULTS, type ProbeOptions, type ProbeResult } from './probe.js';
export { parseShard, shardLoad, type Shard } from './shard.js';
export { readInputFile } from './input-file.js';
