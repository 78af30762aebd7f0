/**
 * Resolving what a user wrote (a preset and overrides) into a ClientConfig, checked in full; and the
 * config as it may be shown (secrets redacted).
 */
import { InvalidInputError } from '../errors.js';
import { REDACTED, redactHeaders, redactUrl } from './secrets.js';
import { H2_DEFAULT_STREAMS, LOCAL_PORTS_BASE, OPTION_SPECS, type Spec } from './options.js';
import { DEFAULT_CONFIG, PRESETS, type PresetName } from './presets.js';
import type { ClientConfig, ClientConfigInput } from './types.js';

function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = obj;
  for (let i = 0; i < parts.length - 1; i++) {
    const key = parts[i] as string;
    const next = cur[key];
    if (next === null || typeof next !== 'object') cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1] as string] = value;
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || typeof v !== 'object') return String(v);
  return Array.isArray(v) ? 'an array' : 'an object';
}

function checkValue(path: string, spec: Spec, v: unknown): string | null {
  if (v === null && ('nullable' in spec ? spec.nullable : spec.kind === 'ms')) return null;
  switch (spec.kind) {
    case 'int':
    case 'ms':
      if (typeof v !== 'number' || !Number.isInteger(v) || v < spec.min || v > spec.max) {
        const off = spec.kind === 'ms' || spec.nullable ? ' or null (off)' : '';
        return `${path} must be an integer in ${spec.min}..${spec.max}${off}, got ${describe(v)}`;
      }
      return null;
    case 'enum':
      return spec.values.includes(v as string | number)
        ? null
        : `${path} must be one of ${spec.values.map((x) => JSON.stringify(x)).join(', ')}, got ${describe(v)}`;
    case 'bool':
      return typeof v === 'boolean' ? null : `${path} must be true or false, got ${describe(v)}`;
    case 'string':
      return typeof v === 'string' && v.length > 0 ? null : `${path} must be a non-empty string, got ${describe(v)}`;
    case 'url': {
      if (typeof v !== 'string') return `${path} must be a URL string, got ${describe(v)}`;
      try {
        const u = new URL(v);
        return u.protocol === 'http:' ? null : `${path} must be an http:// proxy URL, got ${JSON.stringify(v)}`;
      } catch {
        return `${path} must be a URL, got ${JSON.stringify(v)}`;
      }
    }
    case 'headers':
      return headersProblem(path, v);
    case 'ports':
      return typeof parseLocalPorts(v) === 'string' ? `${path} ${parseLocalPorts(v) as string}` : null;
  }
}

/** A port budget from what a user gave: a count, "from-to", or {from, to}; a string says what is wrong. */
export function parseLocalPorts(v: unknown): { from: number; to: number } | null | string {
  if (v === null) return null;
  let from: number;
  let to: number;
  if (typeof v === 'number') [from, to] = [LOCAL_PORTS_BASE, LOCAL_PORTS_BASE + v - 1];
  else if (typeof v === 'string' && /^\d+-\d+$/.test(v)) [from, to] = v.split('-').map(Number) as [number, number];
  else if (v && typeof v === 'object' && typeof (v as { from?: unknown }).from === 'number' && typeof (v as { to?: unknown }).to === 'number') ({ from, to } = v as { from: number; to: number });
  else return `must be a count of ports, a range "20000-20999" or null, got ${describe(v)}`;
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 1024 || to > 65_535 || to < from) return `must be ports within 1024..65535, first <= last, got ${describe(v)}`;
  return { from, to };
}

/** Why `v` is not a set of HTTP headers (RFC 9110 token names, values without CR, LF or NUL), or null. */
export function headersProblem(path: string, v: unknown): string | null {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return `${path} must be an object of name: value, got ${describe(v)}`;
  for (const [k, hv] of Object.entries(v)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k)) return `${path} has an invalid header name ${JSON.stringify(k)}`;
    if (typeof hv !== 'string' || /[\r\n\0]/.test(hv)) return `${path}.${k} must be a string without line breaks or NUL`;
  }
  return null;
}

/** Every option path a user may set, to name typos. */
function unknownKeys(input: unknown, prefix = ''): string[] {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return [];
  const out: string[] = [];
  for (const key of Object.keys(input)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (path === 'preset') continue;
    if (path in OPTION_SPECS) continue;
    const isGroup = Object.keys(OPTION_SPECS).some((p) => p.startsWith(`${path}.`));
    if (isGroup) out.push(...unknownKeys((input as Record<string, unknown>)[key], path));
    else {
      const close = Object.keys(OPTION_SPECS).find((p) => p.toLowerCase() === path.toLowerCase() || p.endsWith(`.${key}`));
      out.push(`${path} is not a known option${close ? ` (did you mean ${close}?)` : ''}`);
    }
  }
  return out;
}

export interface ResolveOptions {
  /** Environment to read API keys from; pass {} in tests. */
  env?: Record<string, string | undefined>;
  /** What the config is called in error messages (a profile name, a file). */
  label?: string;
}

/**
 * Preset, then overrides, then validation of the whole result. Throws InvalidInputError listing every
 * problem; a config that fails here never reaches the network.
 */
export function resolveConfig(input: ClientConfigInput | PresetName = {}, options: ResolveOptions = {}): ClientConfig {
  const given: ClientConfigInput = typeof input === 'string' ? { preset: input } : input;
  const problems: string[] = [];
  let base: ClientConfig = DEFAULT_CONFIG;
  if (given.preset !== undefined) {
    const preset = PRESETS[given.preset as PresetName];
    if (preset) base = preset.config;
    else problems.push(`preset must be one of ${Object.keys(PRESETS).join(', ')}, got ${describe(given.preset)}`);
  }
  problems.push(...unknownKeys(given));

  const merged = structuredClone(base) as unknown as Record<string, unknown>;
  for (const [path, spec] of Object.entries(OPTION_SPECS)) {
    const v = getPath(given, path);
    if (v === undefined) continue;
    const problem = checkValue(path, spec, v);
    if (problem) problems.push(problem);
    else setPath(merged, path, spec.kind === 'headers' ? { ...(getPath(merged, path) as object), ...(v as object) } : spec.kind === 'ports' ? parseLocalPorts(v) : v);
  }
  const config = merged as unknown as ClientConfig;
  // HTTP/2 multiplexes: unless told otherwise, allow as many streams per connection as servers commonly do.
  // Not undici's: its Pool sends one request at a time to a client unless `pipelining` is set, HTTP/2 or not.
  if (config.httpVersion === 2 && getPath(given, 'pool.pipelining') === undefined && config.behavior.h2Streams !== 'client-limit') {
    config.pool.pipelining = H2_DEFAULT_STREAMS;
  }
  // As httpcore does: idle connections kept can never exceed the connections allowed (httpx accepts
  // Limits(max_connections=4) with the default max_keepalive_connections=20, meaning 4).
  if (config.pool.maxIdle !== null && config.pool.connections !== null && config.pool.maxIdle > config.pool.connections) {
    config.pool.maxIdle = config.pool.connections;
  }
  if (config.behavior.readClock === 'per-read' && config.timeouts.body !== null) {
    problems.push(
      `timeouts.body (${config.timeouts.body}) is undici's bodyTimeout and needs behavior.readClock "headers-body"; with "per-read" (this preset's), timeouts.read already bounds every body chunk`,
    );
  }
  if (config.retry.maxBackoffMs < config.retry.initialBackoffMs) {
    problems.push(`retry.maxBackoffMs (${config.retry.maxBackoffMs}) must be >= retry.initialBackoffMs (${config.retry.initialBackoffMs})`);
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
