export { runScenario, checkRunOptions, type RunOptions } from './run/run.js';
export { DEFAULT_GRACE_MS, type Progress } from './run/run-options.js';
export { TargetUnreachableError } from '../engine/index.js';
export { loadScenario, MAX_RATE, resolveScenario, scenarioJsonSchema, SCENARIO, type Scenario, type ResolvedProfile } from './scenario/scenario.js';
// The report contract is the report's (src/report); re-exported for the runner's users.
export type { Report, ProfileReport, Finding, Distribution } from '../report/index.js';
export { metricDefinitionsOf, readInputFile } from '../report/index.js';
export { TRACE_LINE, type TraceLineInput } from './load/trace-file.js';
export { runLoad, rampRate, loadDurationS, LATE_AFTER_MS } from './load/load.js';
export { dueTimes, expectedCount, type RatePlan } from './load/arrivals.js';
export { parseShard, shardLoad, type Shard } from './load/shard.js';
export { addMockStats, type MockStats } from '../../mock-server/index.js';
export { runRepeated, combineRuns, checkRepeat, MAX_REPEAT } from './run/repeat.js';
export { Coordinator, type CoordinatorOptions, type CoordinatedRun, type ShardOutcome } from './distributed/coordinator.js';
export { runCoordinatedShard, type ShardResult } from './distributed/shard-run.js';
export { runWorkers, autoWorkers, checkWorkers, MAX_WORKERS, RATE_PER_WORKER, type WorkersRun } from './distributed/workers.js';
export { DEFAULT_COORDINATOR_PORT, COORDINATOR_TOKEN_ENV } from './distributed/protocol.js';
export { CoordinatorLostError, DEFAULT_JOIN_TIMEOUT_MS } from './distributed/shard-session.js';
