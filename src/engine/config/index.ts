export type { AuthScheme, BehaviorConfig, ClientConfig, HttpVersion, LocalPortsInput, PoolConfig, PoolMode, RetryConfig, RetryStyle, TimeoutConfig } from './types.js';
export { CLIENT_CONFIG, DEFAULT_CONFIG, H2_DEFAULT_STREAMS, headersSchema } from './options.js';
export { CLIENT_CONFIG_INPUT, type ClientConfigInput } from './input.js';
export { OPTION_SPECS } from './legacy-specs.js';
export { PRESETS, PRESET_NAMES, type Preset, type PresetName } from './presets.js';
export { resolveConfig, redactConfig, headersProblem, type ResolveOptions } from './resolve.js';
export { REDACTED, redactHeaders, redactText, redactUrl, looksSecret, isSecretName, targetUrlProblem } from './secrets.js';
