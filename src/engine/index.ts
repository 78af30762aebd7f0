export { Engine, type EngineOptions } from './engine.js';
export type { AttemptRequest, AttemptResult, HttpMethod } from './attempt.js';
export {
  resolveConfig,
  redactConfig,
  DEFAULT_CONFIG,
  OPTION_SPECS,
  REDACTED,
  type ClientConfig,
  type ClientConfigInput,
  type PoolConfig,
  type TimeoutConfig,
} from './config.js';
export { PRESETS, PRESET_NAMES, type Preset, type PresetName } from './presets.js';
export { TailgateError, InvalidInputError, ERROR_CODES, RETRYABLE_CODES, codeForStatus, type ErrorCode } from './errors.js';
export type { AttemptKind, AttemptRecord, EngineObserver, SocketInfo, ClosedBy } from './observer.js';
export { VERSION } from './version.js';
