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
