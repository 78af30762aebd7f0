/**
 * Resolving what a user wrote (a preset and overrides) into a ClientConfig, checked in full; and the
 * config as it may be shown (secrets redacted).
 */
import { problem, problemsOf } from '../../util/schema.js';
import { InvalidInputError } from '../errors.js';
import { CLIENT_CONFIG_INPUT, type ClientConfigInput } from './input.js';
import { DEFAULT_CONFIG, H2_DEFAULT_STREAMS, headersSchema, LOCAL_PORTS_BASE, TOP_OPTIONS } from './options.js';
import { PRESETS, type PresetName } from './presets.js';
import { REDACTED, redactHeaders, redactUrl } from './secrets.js';
import type { ClientConfig, LocalPortsInput } from './types.js';

/** A port budget from what a user gave (already of LOCAL_PORTS_INPUT's shape): the range, or why it is none. */
export function parseLocalPorts(v: LocalPortsInput): { from: number; to: number } | null | string {
  if (v === null) return null;
  const [from, to] = typeof v === 'number' ? [LOCAL_PORTS_BASE, LOCAL_PORTS_BASE + v - 1] : typeof v === 'string' ? (v.split('-').map(Number) as [number, number]) : [v.from, v.to];
  if (from < 1024 || to > 65_535 || to < from) return problem('pool.localPorts', 'must be ports within 1024..65535, first <= last', v);
  return { from, to };
}

const HEADERS = headersSchema('name: value');
/** @deprecated Why `v` is not a set of HTTP headers, or null: the first problem the declaration finds (headersSchema). */
export function headersProblem(path: string, v: unknown): string | null {
  return problemsOf(HEADERS, v, path)[0] ?? null;
}

/** The proxy must be an http:// URL; shown redacted, since a proxy URL may carry a password. */
function proxyProblem(v: string): string | null {
  try {
    if (new URL(v).protocol === 'http:') return null;
  } catch {
    // not a URL: said below
  }
  return problem('proxy', 'must be an http:// URL of an HTTP CONNECT proxy', redactUrl(v));
}

const given = <T extends object>(o: T | undefined): Partial<T> => Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;

export interface ResolveOptions {
  /** Environment to read API keys from; pass {} in tests. */
  env?: Record<string, string | undefined>;
  /** What the config is called in error messages (a profile name, a file). */
  label?: string;
}

/**
 * Preset, then overrides, checked against the declaration (every problem by path at once), then the
 * rules between options. Throws InvalidInputError listing the problems; a config that fails here never
 * reaches the network.
 */
export function resolveConfig(input: ClientConfigInput | PresetName = {}, options: ResolveOptions = {}): ClientConfig {
  const user: ClientConfigInput = typeof input === 'string' ? { preset: input } : input;
  const problems = problemsOf(CLIENT_CONFIG_INPUT, user);
  if (problems.length > 0) throw new InvalidInputError(options.label ? `client config "${options.label}"` : 'client config', problems);
  const base = user.preset === undefined ? DEFAULT_CONFIG : PRESETS[user.preset as PresetName].config;
  const config = structuredClone(base);
  const { localPorts, ...pool } = given(user.pool);
  Object.assign(config.pool, pool);
  for (const g of ['timeouts', 'behavior', 'retry'] as const) Object.assign(config[g], given(user[g]));
  for (const key of Object.keys(TOP_OPTIONS) as (keyof typeof TOP_OPTIONS)[]) if (user[key] !== undefined) Object.assign(config, { [key]: user[key] });
  config.headers = { ...base.headers, ...(given(user.headers) as Record<string, string>) }; // added to the preset's, not instead
  if (localPorts !== undefined) {
    const ports = parseLocalPorts(localPorts);
    if (typeof ports === 'string') problems.push(ports);
    else config.pool.localPorts = ports;
  }
  const proxy = config.proxy === null ? null : proxyProblem(config.proxy);
  if (proxy) problems.push(proxy);
  // HTTP/2 multiplexes: unless told otherwise, allow as many streams per connection as servers commonly do.
  // Not undici's: its Pool sends one request at a time to a client unless `pipelining` is set, HTTP/2 or not.
  if (config.httpVersion === 2 && user.pool?.pipelining === undefined && config.behavior.h2Streams !== 'client-limit') {
    config.pool.pipelining = H2_DEFAULT_STREAMS;
  }
  // As httpcore does: idle connections kept can never exceed the connections allowed (httpx accepts
  // Limits(max_connections=4) with the default max_keepalive_connections=20, meaning 4).
  if (config.pool.maxIdle !== null && config.pool.connections !== null && config.pool.maxIdle > config.pool.connections) {
    config.pool.maxIdle = config.pool.connections;
  }
  if (config.behavior.readClock === 'per-read' && config.timeouts.body !== null) {
    const why = `is undici's bodyTimeout and needs behavior.readClock "headers-body"; with "per-read" (this preset's), timeouts.read already bounds every body chunk`;
    problems.push(problem('timeouts.body', why, config.timeouts.body));
  }
  if (config.retry.maxBackoffMs < config.retry.initialBackoffMs) {
    problems.push(problem('retry.maxBackoffMs', `must be >= retry.initialBackoffMs (${config.retry.initialBackoffMs})`, config.retry.maxBackoffMs));
  }
  if (problems.length > 0) throw new InvalidInputError(options.label ? `client config "${options.label}"` : 'client config', problems);

  if (config.apiKey === null) {
    const env = options.env ?? process.env;
    config.apiKey = env.BASETEN_API_KEY || env.OPENAI_API_KEY || null;
  }
  return config;
}

/** The config as it may appear in output, logs and reports: secrets replaced (by rule, secrets.ts), never dropped silently. */
export function redactConfig(config: ClientConfig): ClientConfig {
  const headers = redactHeaders(config.headers);
  const proxy = config.proxy === null ? null : redactUrl(config.proxy);
  return { ...config, apiKey: config.apiKey === null ? null : REDACTED, headers, proxy };
}
