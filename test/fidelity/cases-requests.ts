/**
 * Differential cases about one request's course: its read clocks (headers and body apart, or every
 * read alike), the retries a client makes on its own (httpx's transport retries connects only), and the
 * redirects it follows.
 */
import { all, AT_ONCE_MS, bpc, slow, THREE_AT_ONCE, type Case } from './case-kit.js';

/** Three body chunks 600 ms apart, the headers at once. */
const slowBody = { rules: [{ kind: 'slow_body', chunks: 3, ms: 1_800 }] };
const redirects = { kind: 'redirects' } as const;

/** A proxy that refuses every connection: a client that took it from the environment would fail. */
const DEAD_PROXY = 'http://127.0.0.1:9';

/** Why Baseten's client may use one more connection than tailgate when it follows redirects. */
const REQWEST_HOPS =
  "reqwest sends each hop before the redirect answer's connection is back in its pool, so a call's hops take a second connection; tailgate's hop goes on the connection the answer freed";

export const REQUEST_CASES: Case[] = [
  {
    name: 'baseten-retries',
    about: "Baseten's client with maxRetries=2, initialBackoffMs=50 against a server answering 503, then 429 with Retry-After: 30: statuses are retried outside the budget, after 50 ms·4ⁿ and up to 99 ms, Retry-After ignored",
    faults: { rules: [{ kind: 'latency', dist: 'fixed', ms: AT_ONCE_MS }, { kind: 'status', status: 503, retryAfterS: 30 }] },
    waves: [3],
    settings: { 'baseten-pc': bpc },
  },
  {
    name: 'x-should-retry-false',
    about: "503 with x-should-retry: false, twice, then 200: openai-node obeys the header and does not retry; no other client retries anyway",
    server: { kind: 'error-body', status: 503, bytes: 10, failures: 2, headers: { 'x-should-retry': 'false' }, latencyMs: AT_ONCE_MS },
    waves: [2],
    settings: all(),
  },
  {
    name: 'x-should-retry-true',
    about: '400 with x-should-retry: true, twice, then 200: openai-node retries what it would not (a 400) because the server says so',
    server: { kind: 'error-body', status: 400, bytes: 10, failures: 2, headers: { 'x-should-retry': 'true' }, latencyMs: AT_ONCE_MS },
    waves: [2],
    settings: { ...all(), 'baseten-pc': bpc },
  },
  {
    name: 'env-proxy-ignored',
    about:
      "HTTP_PROXY and HTTPS_PROXY name a proxy that refuses connections: aiohttp (trust_env=False), undici, Node 20's fetch and openai-node ignore them and go direct, as tailgate does",
    faults: slow(AT_ONCE_MS),
    env: { HTTP_PROXY: DEAD_PROXY, HTTPS_PROXY: DEAD_PROXY, http_proxy: DEAD_PROXY, https_proxy: DEAD_PROXY },
    waves: [2],
    settings: { aiohttp: {}, undici: {}, fetch: {}, 'openai-node': {} },
  },
  {
    name: 'slow-body',
    about:
      'the headers at once, then three body chunks 600 ms apart; a 400 ms read timeout: httpx and aiohttp time out between chunks; undici with headersTimeout 400 and bodyTimeout 0 reads it all',
    faults: slowBody,
    waves: [2],
    settings: {
      httpx: { timeouts: { read: 400 } },
      aiohttp: { timeouts: { read: 400 } },
      undici: { timeouts: { read: 400, body: null } },
    },
  },
  {
    name: 'slow-body-body-timeout',
    about: "body chunks 1.5 s apart and undici's bodyTimeout 500 ms (its headersTimeout left at 300 s): a body timeout",
    faults: { rules: [{ kind: 'slow_body', chunks: 2, ms: 3_000 }] },
    waves: [2],
    settings: { undici: { timeouts: { body: 500 } } },
  },
  {
    name: 'transport-retries-503',
    about: "httpx.HTTPTransport(retries=2) against a server answering 503: transport retries are for connects only, so each request is sent once",
    faults: { rules: [{ kind: 'latency', dist: 'fixed', ms: AT_ONCE_MS }, { kind: 'status', status: 503 }] },
    waves: [3],
    settings: { httpx: { retry: { maxRetries: 2 } } },
    connectionTolerance: { httpx: 1 },
    toleranceWhy: THREE_AT_ONCE,
  },
  {
    name: 'transport-retries-read-timeout',
    about: 'httpx.HTTPTransport(retries=2) and a read timeout of 300 ms against a 1 s model: a read timeout is not retried',
    faults: slow(1_000),
    waves: [3],
    settings: { httpx: { timeouts: { read: 300 }, retry: { maxRetries: 2 } } },
  },
  {
    name: 'transport-retries-refused',
    about:
      'the listener is down (connection refused) for the first 2 s: httpx.HTTPTransport(retries=4) connects again after 0, 0.5, 1 and 2 s and gets through; with its default retries=0, every request fails',
    faults: { down: [{ atMs: 0, forMs: 2_000 }], ...slow(AT_ONCE_MS) },
    waves: [2],
    settings: { httpx: { retry: { maxRetries: 4 } } },
  },
  {
    name: 'refused',
    about: 'the listener is down (connection refused) for the first 6 s: no client retries a refused connect by default (each fails at once; the window is long for a driver slow to start on a loaded machine)',
    faults: { down: [{ atMs: 0, forMs: 6_000 }], ...slow(20) },
    waves: [2],
    settings: { httpx: {}, aiohttp: {}, undici: {}, fetch: {}, 'baseten-pc': bpc },
  },
  {
    name: 'refused-retried',
    about:
      "the listener is down for the first 6 s: openai-node retries a refused connect twice, after about 0.5 s and 1 s, all inside the window (long, so that a driver slow to start on a loaded machine still fails)",
    faults: { down: [{ atMs: 0, forMs: 6_000 }], ...slow(20) },
    waves: [2],
    settings: { 'openai-node': {} },
  },
  {
    name: 'redirect-307',
    about: 'a POST answered 307 three times before the answer: fetch, openai-node and aiohttp follow (4 requests each), undici.request and httpx return the 307',
    server: redirects,
    request: { path: '/redirect/307/3' },
    waves: [1, 1],
    gapMs: 50,
    settings: { ...all(), 'baseten-pc': bpc },
    connectionTolerance: { 'baseten-pc': 1 },
    toleranceWhy: REQWEST_HOPS,
  },
  {
    name: 'redirect-303',
    about: 'a POST answered 303 once: the clients that follow it do so with a GET',
    server: redirects,
    request: { path: '/redirect/303/1' },
    waves: [1, 1],
    gapMs: 50,
    settings: all(),
  },
  {
    name: 'redirect-loop',
    about:
      "a chain of 30 redirects: fetch and httpx (follow_redirects=True, openai-python's setting) give up after following 20, aiohttp on the 10th redirect answer; openai-node retries fetch's failure twice",
    server: redirects,
    request: { path: '/redirect/302/30' },
    waves: [1],
    settings: { httpx: { behavior: { maxRedirects: 20 } }, aiohttp: {}, fetch: {}, 'openai-node': {}, 'baseten-pc': bpc },
    connectionTolerance: { 'baseten-pc': 1 },
    toleranceWhy: REQWEST_HOPS,
  },
];
