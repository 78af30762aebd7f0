/**
 * A recommended setting in the words of the client the profile reproduces (its preset), so a fix can be
 * pasted: `httpx.Limits(max_connections=62)`, `aiohttp.TCPConnector(limit=62)`, `new Agent({ connections: 62 })`.
 */
type Family = 'httpx' | 'aiohttp' | 'undici' | 'fetch' | 'baseten-pc' | null;

function familyOf(preset: string | null | undefined): Family {
  switch (preset) {
    case 'httpx':
    case 'openai-python':
    case 'baseten-recommended':
      return 'httpx';
    case 'aiohttp':
      return 'aiohttp';
    case 'undici':
      return 'undici';
    case 'fetch':
    case 'openai-node':
      return 'fetch';
    case 'baseten-performance-client':
      return 'baseten-pc';
    default:
      return null;
  }
}

const seconds = (ms: number) => String(Math.round(ms) / 1000);

/** " (httpx: Limits(max_connections=62))", or "" when the client has no such setting. */
export function poolSizeIn(preset: string | null | undefined, n: number | string): string {
  switch (familyOf(preset)) {
    case 'httpx':
      return ` (httpx: Limits(max_connections=${n}))`;
    case 'aiohttp':
      return ` (aiohttp: TCPConnector(limit=${n}))`;
    case 'undici':
      return ` (undici: new Pool(url, { connections: ${n} }))`;
    case 'fetch':
      return ` (fetch: dispatcher new Agent({ connections: ${n} }))`;
    default:
      return '';
  }
}

export function keepAliveIn(preset: string | null | undefined, ms: number): string {
  switch (familyOf(preset)) {
    case 'httpx':
      return ` (httpx: Limits(keepalive_expiry=${seconds(ms)}))`;
    case 'aiohttp':
      return ` (aiohttp: TCPConnector(keepalive_timeout=${seconds(ms)}))`;
    case 'undici':
    case 'fetch':
      return ` (undici: keepAliveTimeout: ${Math.round(ms)})`;
    case 'baseten-pc':
      return '';
    default:
      return ` (httpx: Limits(keepalive_expiry=${seconds(ms)}))`;
  }
}

export function readTimeoutIn(preset: string | null | undefined, ms: number): string {
  switch (familyOf(preset)) {
    case 'httpx':
      return ` (httpx: Timeout(read=${seconds(ms)}))`;
    case 'aiohttp':
      return ` (aiohttp: ClientTimeout(sock_read=${seconds(ms)}))`;
    case 'undici':
    case 'fetch':
      return ` (undici: headersTimeout and bodyTimeout ${Math.round(ms)})`;
    default:
      return ` (httpx: Timeout(read=${seconds(ms)}))`;
  }
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
