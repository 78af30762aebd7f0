/**
 * Named presets reproducing well-known clients' defaults, so a run can say "this is what httpx does out of
 * the box" and compare it with a fix. Each names where its values come from. Retry behaviour (openai SDKs
 * retry twice) belongs to the request layer and is recorded in `retries` for it to use.
 */
import type { ClientConfig } from './config.js';

export interface Preset {
  description: string;
  /** Where the values come from. */
  source: string;
  /** Retries the real client makes by default; the PerformanceClient and runner honour it. */
  retries: number;
  config: ClientConfig;
}

const base = {
  httpVersion: 1 as const,
  proxy: null,
  headers: {},
  apiKey: null,
  authScheme: 'Bearer' as const,
  rejectUnauthorized: true,
};

const undiciDefaults: ClientConfig = {
  ...base,
  pool: {
    connections: null,
    maxIdle: null,
    keepAliveMs: 4_000,
    honorKeepAliveHint: true,
    maxRequestsPerConnection: null,
    pipelining: 1,
    mode: 'shared',
  },
  timeouts: { connect: 10_000, write: null, read: 300_000, pool: null, attempt: null, total: null },
};

const httpxDefaults: ClientConfig = {
  ...base,
  pool: {
    connections: 100,
    maxIdle: 20,
    keepAliveMs: 5_000,
    honorKeepAliveHint: false,
    maxRequestsPerConnection: null,
    pipelining: 1,
    mode: 'shared',
  },
  timeouts: { connect: 5_000, write: 5_000, read: 5_000, pool: 5_000, attempt: null, total: null },
};

export const PRESETS = {
  httpx: {
    description: 'Python httpx.Client() defaults',
    source:
      'httpx DEFAULT_LIMITS = Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0); ' +
      'DEFAULT_TIMEOUT_CONFIG = Timeout(5.0) for connect, read, write and pool; Keep-Alive hints are not parsed (httpcore)',
    retries: 0,
    config: httpxDefaults,
  },
  aiohttp: {
    description: 'Python aiohttp.ClientSession() defaults',
    source:
      'aiohttp TCPConnector(limit=100, limit_per_host=0, keepalive_timeout=15.0); ' +
      'DEFAULT_TIMEOUT = ClientTimeout(total=300, sock_connect=30); Keep-Alive hints are not parsed',
    retries: 0,
    config: {
      ...base,
      pool: { ...httpxDefaults.pool, connections: 100, maxIdle: null, keepAliveMs: 15_000 },
      timeouts: { connect: 30_000, write: null, read: null, pool: null, attempt: 300_000, total: 300_000 },
    },
  },
  undici: {
    description: 'Node undici Pool/Agent defaults',
    source:
      'undici 7 Client: connections unlimited, keepAliveTimeout 4 s, keepAliveMaxTimeout 600 s, ' +
      'keepAliveTimeoutThreshold 2 s (server hints honoured), connect timeout 10 s, headersTimeout and bodyTimeout 300 s',
    retries: 0,
    config: undiciDefaults,
  },
  fetch: {
    description: "Node's global fetch()",
    source: "Node 20's fetch is undici's fetch on undici's global Agent: the same limits and timeouts as undici",
    retries: 0,
    config: undiciDefaults,
  },
  'openai-python': {
    description: 'openai-python (OpenAI()) defaults',
    source:
      'openai-python _constants: DEFAULT_CONNECTION_LIMITS = httpx.Limits(max_connections=1000, max_keepalive_connections=100); ' +
      'DEFAULT_TIMEOUT = httpx.Timeout(timeout=600, connect=5.0); DEFAULT_MAX_RETRIES = 2; keepalive_expiry httpx default 5 s',
    retries: 2,
    config: {
      ...httpxDefaults,
      pool: { ...httpxDefaults.pool, connections: 1000, maxIdle: 100 },
      timeouts: { connect: 5_000, write: 600_000, read: 600_000, pool: 600_000, attempt: null, total: null },
    },
  },
  'openai-node': {
    description: 'openai-node (new OpenAI()) defaults',
    source:
      'openai-node v5+: global fetch (undici Agent defaults), timeout 600000 ms per request, maxRetries 2',
    retries: 2,
    config: { ...undiciDefaults, timeouts: { ...undiciDefaults.timeouts, attempt: 600_000 } },
  },
  'baseten-recommended': {
    description: "Baseten's recommended client settings",
    source:
      'docs.baseten.co "Configure HTTP clients": Limits(max_connections=256, max_keepalive_connections=128, keepalive_expiry=30); ' +
      'Timeout(connect=10, read=1200, write=30, pool=10)',
    retries: 0,
    config: {
      ...httpxDefaults,
      pool: { ...httpxDefaults.pool, connections: 256, maxIdle: 128, keepAliveMs: 30_000 },
      timeouts: { connect: 10_000, write: 30_000, read: 1_200_000, pool: 10_000, attempt: null, total: null },
    },
  },
} satisfies Record<string, Preset>;

export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];
