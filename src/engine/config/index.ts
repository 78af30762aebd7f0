export type { AuthScheme, BehaviorConfig, ClientConfig, ClientConfigInput, HttpVersion, PoolConfig, PoolMode, RetryConfig, RetryStyle, TimeoutConfig } from './types.js';
export { OPTION_SPECS, H2_DEFAULT_STREAMS } from './options.js';
export { DEFAULT_CONFIG, PRESETS, PRESET_NAMES, type Preset, type PresetName } from './presets.js';
export { resolveConfig, redactConfig, headersProblem, type ResolveOptions } from './resolve.js';
export { REDACTED, redactHeaders, redactText, redactUrl, looksSecret, isSecretName, targetUrlProblem } from './secrets.js';
