/**
 * The engine's public surface: everything outside src/engine imports from here. Its layers, each
 * importing only the ones after it (and src/util): client/ (the PerformanceClient) → policy/ (one logical
 * request: retries, hedges, budgets) → transport/ (exactly one attempt) → config/; errors.ts, observer.ts
 * and version.ts are shared by all.
 */
export { Engine, type EngineOptions } from './transport/engine.js';
export { RACE_WON, type AttemptRequest, type AttemptResult, type RaceGroup } from './transport/request.js';
export type { HttpMethod } from '../util/index.js';
export * from './config/index.js';
export { TailgateError, InvalidInputError, TargetUnreachableError, ERROR_CODES, codeForStatus, STALE_WINDOW_FLOOR_MS, type ErrorCode } from './errors.js';
export type { AttemptKind, AttemptRecord, EngineObserver, PolicyEvent, SocketInfo, ClosedBy } from './observer.js';
export { VERSION } from './version.js';
export { sleep } from '../util/index.js';
export { PerformanceClient, DEFAULT_BUDGET_FLOOR, type PerformanceClientOptions } from './client/client.js';
export { SharedPool } from './client/shared-pool.js';
export { ENDPOINTS, type Endpoint } from './client/endpoints.js';
export type { EmbeddingsResponse, RerankResponse, ClassifyResponse, BatchPostResponse, BatchError, StreamHandle, LoadSession } from './client/responses.js';
export { CancellationToken, resolvePreference, PREFERENCE, PREFERENCE_INPUT, PREFERENCE_DEFAULTS, PREFERENCE_SPECS, type Preference, type PreferenceInput } from './policy/preference.js';
export { Budget, type BudgetOptions } from './policy/budget.js';
export type { PolicyStats, LogicalResult, LogicalListener } from './policy/types.js';
export { decideRetry, retryAfterMs, type RetryDecision } from './policy/retry-rules.js';
export { DONE, readChunk, SseParser, type SseEvent, type StreamChunk } from './client/sse.js';
export { createLogger, type Logger, type LogLevel } from './policy/logger.js';
