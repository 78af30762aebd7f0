export { Engine, type EngineOptions } from './engine.js';
export { RACE_WON, type AttemptRequest, type AttemptResult, type HttpMethod, type RaceGroup } from './attempt.js';
export * from './config/index.js';
export { TailgateError, InvalidInputError, TargetUnreachableError, ERROR_CODES, codeForStatus, STALE_WINDOW_FLOOR_MS, type ErrorCode } from './errors.js';
export type { AttemptKind, AttemptRecord, EngineObserver, PolicyEvent, SocketInfo, ClosedBy } from './observer.js';
export { VERSION } from './version.js';
export { sleep } from './backoff.js';
export {
  PerformanceClient,
  SharedPool,
  DEFAULT_BUDGET_FLOOR,
  type PerformanceClientOptions,
  type EmbeddingsResponse,
  type RerankResponse,
  type ClassifyResponse,
  type BatchPostResponse,
  type BatchError,
  type StreamHandle,
  type LoadSession,
} from './performance-client.js';
export { CancellationToken, resolvePreference, PREFERENCE_DEFAULTS, PREFERENCE_SPECS, type Preference, type PreferenceInput } from './preference.js';
export { Budget, type BudgetOptions } from './budget.js';
export { type PolicyStats, type LogicalResult } from './policy.js';
export { decideRetry, retryAfterMs, type RetryDecision } from './retry-rules.js';
export type { SseEvent } from './sse.js';
export { createLogger, type Logger, type LogLevel } from './logger.js';
