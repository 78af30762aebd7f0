/**
 * ClientConfig: every knob users compare across httpx, aiohttp, undici/fetch and Baseten-style clients.
 * Defaults, ranges and docs live in OPTION_SPECS, one place; validation walks it and lists every problem.
 */
import { InvalidInputError } from './errors.js';
import { PRESETS, type PresetName } from './presets.js';

export type PoolMode = 'shared' | 'per-request';
export type HttpVersion = 1 | 2;
export type AuthScheme = 'Bearer' | 'Api-Key';

export interface PoolConfig {
  /** Max connections per origin; null = unlimited (undici, fetch). httpx max_connections. */
  connections: number | null;
  /** Idle connections kept open; null = all. httpx max_keepalive_connections. */
  maxIdle: number | null;
  /** Idle expiry: a connection idle this long is closed, never reused. 0 = no keep-alive. httpx keepalive_expiry. */
  keepAliveMs: number;
  /** Shorten keepAliveMs to the server's `Keep-Alive: timeout=` hint (undici, fetch) or ignore it (httpx, aiohttp). */
  honorKeepAliveHint: boolean;
  /** Close a connection after it served this many requests; null = never. */
  maxRequestsPerConnection: number | null;
  /** HTTP/1.1 requests in flight per connection (1 = no pipelining); for HTTP/2, streams per connection. */
  pipelining: number;
  /** `per-request` emulates a new client per request: a new connection each time, closed after. */
  mode: PoolMode;
}

/** Each timeout in ms, each separate, each may be off (null). As httpx.Timeout, plus attempt and total. */
export interface TimeoutConfig {
  connect: number | null;
  write: number | null;
  read: number | null;
  pool: number | null;
  attempt: number | null;
  total: number | null;
}

export interface ClientConfig {
  pool: PoolConfig;
  timeouts: TimeoutConfig;
  httpVersion: HttpVersion;
  /** http://host:port of an HTTP CONNECT proxy, or null. */
  proxy: string | null;
  headers: Record<string, string>;
  /** Never printed, logged or written to a report (see redactConfig). */
  apiKey: string | null;
  authScheme: AuthScheme;
  /** TLS: verify the server's certificate. */
  rejectUnauthorized: boolean;
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** What a user writes: a preset to start from, then any overrides. */
export type ClientConfigInput = DeepPartial<ClientConfig> & { preset?: PresetName | string };

type Spec =
  | { kind: 'int'; min: number; max: number; nullable?: boolean; doc: string }
  | { kind: 'ms'; min: number; max: number; doc: string }
  | { kind: 'enum'; values: readonly (string | number)[]; doc: string }
  | { kind: 'bool'; doc: string }
  | { kind: 'url'; nullable: true; doc: string }
  | { kind: 'string'; nullable: true; doc: string }
  | { kind: 'headers'; doc: string };

const DAY_MS = 86_400_000;
/** Streams per HTTP/2 connection when pool.pipelining is not set (nginx and Envoy default to 100). */
export const H2_DEFAULT_STREAMS = 100;

/**
 * undici's own defaults (tailgate runs on undici), but with a bounded pool of 100 connections, as httpx
 * and aiohttp have, so that a forgotten limit cannot open thousands of connections.
 */
export const DEFAULT_CONFIG: ClientConfig = {
  ...PRESETS.undici.config,
  pool: { ...PRESETS.undici.config.pool, connections: 100 },
};

export const OPTION_SPECS: Record<string, Spec> = {
  'pool.connections': { kind: 'int', min: 1, max: 65_535, nullable: true, doc: 'max connections per origin (null = unlimited)' },
  'pool.maxIdle': { kind: 'int', min: 0, max: 65_535, nullable: true, doc: 'idle connections kept (null = all)' },
  'pool.keepAliveMs': { kind: 'int', min: 0, max: DAY_MS, doc: 'idle expiry in ms (0 = close after each response)' },
  'pool.honorKeepAliveHint': { kind: 'bool', doc: "shorten expiry to the server's Keep-Alive timeout hint" },
  'pool.maxRequestsPerConnection': { kind: 'int', min: 1, max: 1e9, nullable: true, doc: 'requests per connection before it is closed' },
  'pool.pipelining': { kind: 'int', min: 1, max: 1_000, doc: 'requests in flight per connection (HTTP/2: streams)' },
  'pool.mode': { kind: 'enum', values: ['shared', 'per-request'], doc: 'per-request = a new client (connection) per request' },
  'timeouts.connect': { kind: 'ms', min: 1, max: DAY_MS, doc: 'TCP + TLS handshake' },
  'timeouts.write': { kind: 'ms', min: 1, max: DAY_MS, doc: 'sending the request' },
  'timeouts.read': { kind: 'ms', min: 1, max: DAY_MS, doc: 'to first response byte, and between body chunks' },
  'timeouts.pool': { kind: 'ms', min: 1, max: DAY_MS, doc: 'waiting for a connection from the pool' },
  'timeouts.attempt': { kind: 'ms', min: 1, max: DAY_MS, doc: 'one attempt end to end' },
  'timeouts.total': { kind: 'ms', min: 1, max: DAY_MS, doc: 'a whole operation, retries and hedges included' },
  httpVersion: { kind: 'enum', values: [1, 2], doc: '1 = HTTP/1.1; 2 = HTTP/2 (ALPN over TLS, prior knowledge over http:)' },
  proxy: { kind: 'url', nullable: true, doc: 'HTTP CONNECT proxy URL' },
  headers: { kind: 'headers', doc: 'extra headers on every request' },
  apiKey: { kind: 'string', nullable: true, doc: 'API key (else BASETEN_API_KEY, else OPENAI_API_KEY)' },
  authScheme: { kind: 'enum', values: ['Bearer', 'Api-Key'], doc: 'Authorization header scheme' },
  rejectUnauthorized: { kind: 'bool', doc: "verify the server's TLS certificate" },
};

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
    case 'headers': {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return `${path} must be an object of name: value, got ${describe(v)}`;
      for (const [k, hv] of Object.entries(v)) {
        if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k)) return `${path} has an invalid header name ${JSON.stringify(k)}`;
        if (typeof hv !== 'string' || /[\r\n]/.test(hv)) return `${path}.${k} must be a string without line breaks`;
      }
      return null;
    }
  }
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
    else setPath(merged, path, spec.kind === 'headers' ? { ...(getPath(merged, path) as object), ...(v as object) } : v);
  }
  const config = merged as unknown as ClientConfig;
  // HTTP/2 multiplexes: unless told otherwise, allow as many streams per connection as servers commonly do.
  if (config.httpVersion === 2 && getPath(given, 'pool.pipelining') === undefined) config.pool.pipelining = H2_DEFAULT_STREAMS;
  if (config.pool.maxIdle !== null && config.pool.connections !== null && config.pool.maxIdle > config.pool.connections) {
    problems.push(`pool.maxIdle (${config.pool.maxIdle}) must not exceed pool.connections (${config.pool.connections})`);
  }
  const t = config.timeouts;
  if (t.total !== null && t.attempt !== null && t.total < t.attempt) {
    problems.push(`timeouts.total (${t.total}) must be >= timeouts.attempt (${t.attempt})`);
  }
  if (problems.length > 0) throw new InvalidInputError(options.label ? `client config "${options.label}"` : 'client config', problems);

  if (config.apiKey === null) {
    const env = options.env ?? process.env;
    config.apiKey = env.BASETEN_API_KEY || env.OPENAI_API_KEY || null;
  }
  return config;
}

export const REDACTED = '[redacted]';
const SECRET_HEADER = /^(authorization|proxy-authorization|x-api-key|api-key|cookie)$/i;

/** The config as it may appear in output, logs and reports: secrets replaced, never dropped silently. */
export function redactConfig(config: ClientConfig): ClientConfig {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(config.headers)) headers[k] = SECRET_HEADER.test(k) ? REDACTED : v;
  let proxy = config.proxy;
  if (proxy) {
    const u = new URL(proxy);
    if (u.username || u.password) {
      u.username = REDACTED;
      u.password = '';
      proxy = u.toString();
    }
  }
  return { ...config, apiKey: config.apiKey === null ? null : REDACTED, headers, proxy };
}
