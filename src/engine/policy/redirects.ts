/**
 * Following redirects as the client being reproduced does (behavior.maxRedirects): fetch (undici
 * lib/web/fetch/index.js httpRedirectFetch: 20), httpx with follow_redirects (_client.py
 * _send_handling_redirects: max_redirects 20; openai-python turns it on), aiohttp (client.py _request:
 * max_redirects=10 fails on the 10th redirect response, so 9 are followed), reqwest (Policy::limited(10)).
 * Each follows the Location and, past its limit, fails. A hop is part of the attempt that was
 * redirected: same label, no budget, no permit of its own.
 */
import { TailgateError } from '../errors.js';
import type { AttemptKind } from '../observer.js';
import type { AttemptResult } from '../transport/request.js';
import type { Logical } from './logical.js';

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** A response the client would follow (it says where to, and the client follows redirects at all). */
export function isRedirect(response: AttemptResult, maxRedirects: number): boolean {
  return maxRedirects > 0 && REDIRECT_STATUSES.has(response.status) && response.headers.location !== undefined;
}

/**
 * Follow `response` and the redirects after it, to the first answer that is not one. Another origin
 * (or a path outside the engine's base path) cannot be reached through this engine's pool: that 3xx is
 * returned as the answer.
 */
export async function followRedirects(logical: Logical, response: AttemptResult, kind: AttemptKind, retryNo: number): Promise<AttemptResult> {
  const engine = logical.shared.engine;
  const max = engine.config.behavior.maxRedirects;
  let { method, body } = logical.request;
  let url = engine.urlOf(logical.request.path);
  for (let followed = 0; isRedirect(response, max); followed++) {
    if (followed >= max) {
      // A network error, as fetch, httpx and aiohttp raise it (not the 3xx as an answer): retried as one.
      throw new TailgateError('other', `too many redirects: ${followed} followed, behavior.maxRedirects is ${max} (last: HTTP ${response.status} to ${response.headers.location})`);
    }
    url = new URL(response.headers.location as string, url);
    const path = engine.pathBelowBase(url);
    if (path === null) return response;
    // 303 (but for HEAD), and 301 or 302 after a POST, are followed with a GET and no body: fetch, httpx
    // and aiohttp alike. 307 and 308 repeat the request as it was.
    const status = response.status;
    if ((status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST')) {
      method = 'GET';
      body = null;
    }
    const request = logical.attemptRequest(kind, retryNo, logical.policy.signal);
    response = await engine.attempt({ ...request, method, path, body, gate: undefined });
  }
  return response;
}

/**
 * A 3xx that is the final answer (the client does not follow redirects, or this one leads off the origin):
 * the request failed, with http_3xx (DESIGN: ok means 2xx). Null for any other status.
 */
export function unfollowedRedirect(response: AttemptResult): TailgateError | null {
  const status = response.status;
  if (status < 300 || status >= 400) return null;
  const to = response.headers.location;
  return new TailgateError('http_3xx', `HTTP ${status}${to ? ` to ${to}` : ''}: a redirect this client did not follow (check the URL: http for https, a missing path or trailing slash)`, { status, headers: response.headers });
}
