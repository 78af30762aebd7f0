/** The fault-injecting mock server: usable on its own by any client in any language. */
export { startMockServer, type MockServer, type MockServerOptions } from './server.js';
export { resolveFaults, loadFaultFile, readFaultFile, FaultConfigError, DEFAULT_FAULTS, MAX_FAULTS_BYTES } from './faults.js';
/** The fault config's one declaration (the schema kit): a scenario's mock faults and phases' faults reference it. */
export { MOCK_SETTINGS, MOCK_SETTING_DEFAULTS } from './settings-schema.js';
export { FAULTS_SCHEMA, LATENCY_SCHEMA, RULE_KINDS, type FaultsInput, type FaultConfig, type FaultRule, type CapacityConfig, type LatencySpec, type LlmConfig } from './faults-schema.js';
export { faultsJsonSchema } from './faults-json-schema.js';
export { DEFAULT_LLM } from './llm-config.js';
export { latencySampler, latencyQuantile, seededRandom } from './random.js';
export { embeddingFor, scoreFor, MAX_INPUTS, MAX_ANSWER_VALUES } from './endpoints.js';
export { faultHeaderProblems } from './request-faults.js';
export { addMockStats, type MockStats } from './stats.js';
export { startMockProcess, type MockProcess } from './process.js';
export type { Endpoint, WholeAnswer } from './fault-pipeline.js';
export type { Exchange } from './exchange.js';
export type { Arrival } from './state.js';
export type { Conn, ConnectionWatch, MockState } from './state.js';
export { deliverAnswer } from './fault-pipeline.js';
export { writeHead } from './responders.js';
export { killConnection, resetSocket } from './connections.js';
