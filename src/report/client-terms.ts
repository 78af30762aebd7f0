/**
 * A fix in the words of the client a profile reproduces (its preset), so it can be pasted: the settings
 * a finding changes, in tailgate's keys (pool.connections: 62), become `httpx.Limits(max_connections=62)`,
 * `aiohttp.TCPConnector(limit=62)` or `new Agent({ connections: 62 })`. One table per client family;
 * a key the client has no setting for is left out (and said so by returning null when none is left).
 */
import type { FixSettings, FixValue } from './contract/report.js';

type Family = 'httpx' | 'openai-python' | 'aiohttp' | 'undici' | 'fetch' | 'openai-node' | 'baseten-pc';

function familyOf(preset: string | null | undefined): Family | null {
  switch (preset) {
    case 'httpx':
    case 'baseten-recommended':
      return 'httpx';
    case 'openai-python':
    case 'aiohttp':
    case 'undici':
    case 'fetch':
    case 'openai-node':
      return preset;
    case 'baseten-performance-client':
      return 'baseten-pc';
    default:
      return null;
  }
}

const sec = (v: FixValue) => (typeof v === 'number' ? String(Math.round(v) / 1000) : String(v));
const ms = (v: FixValue) => String(v);
const py = (v: FixValue) => (v === true ? 'True' : v === false ? 'False' : v === null ? 'None' : String(v));

/** A key's place in the client's API: the constructor it is an argument of, and the argument; or a sentence. */
type Term = { ctor: string; arg: (v: FixValue) => string } | { say: (v: FixValue) => string };

const sharedClient = (what: string) => ({ say: (v: FixValue) => (v === 'shared' ? `one ${what} for the whole process, not one per request` : `a new ${what} per request`) });

const HTTPX: Record<string, Term> = {
  'pool.connections': { ctor: 'httpx.Limits', arg: (v) => `max_connections=${py(v)}` },
  'pool.maxIdle': { ctor: 'httpx.Limits', arg: (v) => `max_keepalive_connections=${py(v)}` },
  'pool.keepAliveMs': { ctor: 'httpx.Limits', arg: (v) => `keepalive_expiry=${sec(v)}` },
  'timeouts.connect': { ctor: 'httpx.Timeout', arg: (v) => `connect=${sec(v)}` },
  'timeouts.read': { ctor: 'httpx.Timeout', arg: (v) => `read=${sec(v)}` },
  'timeouts.write': { ctor: 'httpx.Timeout', arg: (v) => `write=${sec(v)}` },
  'timeouts.pool': { ctor: 'httpx.Timeout', arg: (v) => `pool=${sec(v)}` },
  'pool.mode': sharedClient('httpx.Client'),
};

const UNDICI: Record<string, Term> = {
  'pool.connections': { ctor: 'new Agent', arg: (v) => `connections: ${v}` },
  'pool.keepAliveMs': { ctor: 'new Agent', arg: (v) => `keepAliveTimeout: ${ms(v)}` },
  'timeouts.connect': { ctor: 'new Agent', arg: (v) => `connect: { timeout: ${ms(v)} }` },
  'timeouts.read': { ctor: 'new Agent', arg: (v) => `headersTimeout: ${ms(v)}, bodyTimeout: ${ms(v)}` },
  'pool.mode': sharedClient('undici Agent'),
};

const TERMS: Record<Family, Record<string, Term>> = {
  httpx: HTTPX,
  'openai-python': {
    ...HTTPX,
    'retry.maxRetries': { ctor: 'OpenAI', arg: (v) => `max_retries=${py(v)}` },
    'pool.mode': sharedClient('OpenAI client'),
  },
  aiohttp: {
    'pool.connections': { ctor: 'aiohttp.TCPConnector', arg: (v) => `limit=${py(v)}` },
    'pool.keepAliveMs': { ctor: 'aiohttp.TCPConnector', arg: (v) => `keepalive_timeout=${sec(v)}` },
    'timeouts.connect': { ctor: 'aiohttp.ClientTimeout', arg: (v) => `sock_connect=${sec(v)}` },
    'timeouts.acquire': { ctor: 'aiohttp.ClientTimeout', arg: (v) => `connect=${sec(v)}` },
    'timeouts.read': { ctor: 'aiohttp.ClientTimeout', arg: (v) => `sock_read=${sec(v)}` },
    'timeouts.total': { ctor: 'aiohttp.ClientTimeout', arg: (v) => `total=${sec(v)}` },
    'pool.mode': sharedClient('aiohttp.ClientSession'),
  },
  undici: UNDICI,
  fetch: { ...UNDICI, 'pool.mode': sharedClient('dispatcher (new Agent)') },
  'openai-node': {
    ...UNDICI,
    'retry.maxRetries': { ctor: 'new OpenAI', arg: (v) => `maxRetries: ${v}` },
    'timeouts.attempt': { ctor: 'new OpenAI', arg: (v) => `timeout: ${ms(v)}` },
    'pool.mode': sharedClient('OpenAI client'),
  },
  'baseten-pc': {
    'client.hedgeDelayS': { ctor: 'RequestProcessingPreference', arg: (v) => `hedge_delay=${py(v)}` },
    'client.hedgeBudgetPct': { ctor: 'RequestProcessingPreference', arg: (v) => `hedge_budget_pct=${py(v)}` },
    'client.retryBudgetPct': { ctor: 'RequestProcessingPreference', arg: (v) => `retry_budget_pct=${py(v)}` },
    'client.timeoutS': { ctor: 'RequestProcessingPreference', arg: (v) => `timeout_s=${py(v)}` },
    'retry.maxRetries': { ctor: 'RequestProcessingPreference', arg: (v) => `max_retries=${py(v)}` },
    'retry.initialBackoffMs': { ctor: 'RequestProcessingPreference', arg: (v) => `initial_backoff_ms=${py(v)}` },
    'pool.mode': sharedClient('PerformanceClient'),
  },
};

const isObjectStyle = (ctor: string) => ctor.startsWith('new ');

/**
 * The settings in the client's own syntax, e.g. `httpx.Limits(max_connections=62, max_keepalive_connections=62)`,
 * or null when the profile reproduces no named client or the client has none of these settings.
 */
export function clientSyntax(preset: string | null | undefined, settings: FixSettings): string | null {
  const family = familyOf(preset);
  if (!family) return null;
  const table = TERMS[family];
  const byCtor = new Map<string, string[]>();
  const sentences: string[] = [];
  for (const [key, value] of Object.entries(settings)) {
    const term = table[key];
    if (!term) continue;
    if ('say' in term) sentences.push(term.say(value));
    else byCtor.set(term.ctor, [...(byCtor.get(term.ctor) ?? []), term.arg(value)]);
  }
  const calls = [...byCtor].map(([ctor, args]) => (isObjectStyle(ctor) ? `${ctor}({ ${args.join(', ')} })` : `${ctor}(${args.join(', ')})`));
  const all = [...calls, ...sentences];
  return all.length ? all.join('; ') : null;
}

/** How to keep one client for the program's life, in the client's own words. */
export function sharedClientIn(preset: string | null | undefined): string {
  switch (preset) {
    case 'httpx':
      return 'create one httpx.Client() (or AsyncClient) when the program starts and use it for every request; `httpx.post(...)` and `with httpx.Client() as c:` around each call build and tear down a pool each time';
    case 'aiohttp':
      return 'create one aiohttp.ClientSession() for the application (at start-up, closed at shutdown) and pass it around; `async with aiohttp.ClientSession()` per request opens and closes a connector each time';
    case 'openai-python':
      return 'create one OpenAI() client at start-up and reuse it; each new OpenAI() builds its own httpx pool';
    case 'openai-node':
      return 'create one `new OpenAI()` at start-up and reuse it, and keep one fetch dispatcher (undici Agent) for the process';
    case 'undici':
    case 'fetch':
      return 'keep one undici Pool or Agent (or the global dispatcher) for the process instead of a new one per request, and do not close it after each call';
    default:
      return 'create the HTTP client (its connection pool) once and reuse it for every request';
  }
}

/** How to give the SDK (or client) one retry policy, so no loop around it multiplies its retries. */
export function retriesIn(preset: string | null | undefined, n: number): string {
  switch (preset) {
    case 'openai-node':
      return `new OpenAI({ maxRetries: ${n} })`;
    case 'openai-python':
      return `OpenAI(max_retries=${n})`;
    case 'httpx':
      return `one retry loop with backoff (httpx itself retries only failed connects: httpx.HTTPTransport(retries=${n}))`;
    case 'aiohttp':
      return 'one retry loop with backoff (aiohttp does not retry)';
    case 'undici':
    case 'fetch':
      return `undici's RetryAgent (new RetryAgent(agent, { maxRetries: ${n} })) or one loop of your own, not both`;
    default:
      return `one retry layer with at most ${n} retries`;
  }
}
