/**
 * Differential cases about connections: when an idle one is kept or closed (the pool's idle rule,
 * keep-alive and the server's Keep-Alive hint, the server's Connection: close, a request limit per
 * connection), HTTP/2 streams, and what becomes of a connection after a large error answer.
 */
import { all, AT_ONCE_MS, bpc, each, slow, type Case } from './case-kit.js';

/** A fast answer, for requests one after another: the cases are about connections, not latency. */
const quick = slow(20);
/** For waves of requests at once. */
const atOnce = slow(AT_ONCE_MS);
/** Keep-alive short enough that a gap of 800 ms outlives it, unless the server's hint lengthens it. */
const shortKeepAlive = { pool: { keepAliveMs: 300 } };

export const CONNECTION_CASES: Case[] = [
  {
    name: 'reuse',
    about: 'two waves of 4, 100 ms apart: every client keeps its 4 connections and reuses them',
    faults: atOnce,
    waves: [4, 4],
    gapMs: 100,
    settings: { ...all(), 'baseten-pc': bpc },
  },
  {
    name: 'closed-loop-one-user',
    about:
      "one user sending 6 requests back to back: undici's connection takes its next request only an event-loop turn after a response, so its Pool sends the next one on a second connection, and the two alternate",
    faults: quick,
    closedLoop: { workers: 1, requests: 6 },
    settings: { ...all(), 'baseten-pc': bpc },
  },
  {
    name: 'keepalive-over-pool-size',
    about:
      "three waves of 24 with httpx's max_keepalive_connections=20: httpx keeps 20 of each wave's connections, so each wave past the first opens 4 anew; the others keep all 24 (waves cannot tell httpcore's pool-size rule from one counting idle connections alone: the loop case below does)",
    // 600 ms: the 24 threads of a wave overlap even when a loaded machine starts them slowly.
    faults: slow(600),
    waves: [24, 24, 24],
    gapMs: 50,
    settings: { ...all(), 'baseten-pc': bpc },
  },
  {
    name: 'keepalive-over-pool-size-loop',
    about:
      '4 users in a closed loop, 32 requests, max_keepalive_connections=1: with 4 in flight the pool always holds more than 1, so httpx closes nearly every released connection and the next request opens a new one (counting idle connections alone, they would all be kept)',
    faults: slow(50),
    closedLoop: { workers: 4, requests: 32 },
    settings: { httpx: { pool: { maxIdle: 1 } } },
    connectionTolerance: { httpx: 6 },
    toleranceWhy:
      "httpx's threads release and send again in an order the GIL and the machine's load decide: a thread that releases while the others have just closed theirs finds the pool at its limit and keeps its connection",
  },
  {
    name: 'keepalive-hint-long',
    about:
      "the server advertises Keep-Alive: timeout=30 and keep-alive is set to 300 ms; a second wave 800 ms later: undici takes the hint (30 s − 2 s) and reuses, httpx and aiohttp ignore it and reconnect",
    faults: { idleTimeoutMs: 30_000, keepAliveHint: true, ...atOnce },
    waves: [4, 4],
    gapMs: 800,
    settings: { httpx: shortKeepAlive, aiohttp: shortKeepAlive, undici: shortKeepAlive, 'openai-node': shortKeepAlive },
  },
  {
    name: 'keepalive-hint-long-default',
    about: "fetch's defaults (keep-alive 4 s) against Keep-Alive: timeout=30, a second wave 4.5 s later: the hint lengthens keep-alive and fetch reuses",
    faults: { idleTimeoutMs: 30_000, keepAliveHint: true, ...atOnce },
    waves: [4, 4],
    gapMs: 4_500,
    settings: { fetch: {} },
  },
  {
    name: 'keepalive-hint-capped',
    about: "the same hint of 30 s with undici's keepAliveMaxTimeout at 500 ms: the hint is capped, and the connections expire before the second wave, 1 s later",
    faults: { idleTimeoutMs: 30_000, keepAliveHint: true, ...atOnce },
    waves: [4, 4],
    gapMs: 1_000,
    settings: { undici: { pool: { keepAliveMs: 300, keepAliveMaxMs: 500 } } },
  },
  {
    name: 'keepalive-hint-short',
    about: 'the server advertises Keep-Alive: timeout=1 (and keeps connections 60 s): undici closes each connection after its response (1 s − 2 s ≤ 0), httpx and aiohttp reuse',
    faults: { idleTimeoutMs: 60_000, keepAliveHint: 1, ...atOnce },
    waves: [4, 4],
    gapMs: 100,
    settings: all(),
  },
  {
    name: 'server-connection-close',
    about: 'the server answers its 2nd request on a connection with Connection: close: every client opens a new connection after it',
    faults: { maxRequestsPerConnection: 2, ...quick },
    waves: [1, 1, 1, 1, 1],
    gapMs: 20,
    settings: { ...all(), 'baseten-pc': bpc },
  },
  {
    name: 'max-requests-per-connection',
    about: "undici's maxRequestsPerClient: 2 on one connection, 6 requests one after another: undici serves 3 per connection (its counter is compared before it counts the request)",
    faults: quick,
    waves: [1, 1, 1, 1, 1, 1],
    gapMs: 20,
    settings: { undici: { pool: { connections: 1, maxRequestsPerConnection: 2 } } },
  },
  {
    name: 'limit-per-host',
    about: "aiohttp's TCPConnector(limit_per_host=4) with 8 requests at once: 4 connections, the rest wait for them",
    faults: slow(100),
    waves: [8],
    settings: { aiohttp: { pool: { connections: 4 } } },
    native: { aiohttp: { connector: { limit: 100, limit_per_host: 4 } } },
  },
  {
    name: 'force-close',
    about: "aiohttp's TCPConnector(force_close=True) (tailgate: keep-alive 0): a new connection for every request",
    faults: quick,
    waves: [2, 2],
    gapMs: 50,
    settings: { aiohttp: { pool: { keepAliveMs: 0 } } },
    native: { aiohttp: { connector: { force_close: true } } },
  },
  {
    name: 'h2-stream-limit',
    about:
      'HTTP/2 (h2c) to a server allowing 2 concurrent streams, 6 POSTs at once taking 300 ms: httpx (httpcore 0.16) keeps one connection and ignores the limit, so 4 streams are refused; undici sends a POST only on a connection with nothing in flight, so it opens 6',
    server: { kind: 'h2-limit', streams: 2, latencyMs: 300 },
    waves: [6],
    settings: { httpx: { httpVersion: 2 }, undici: { httpVersion: 2 } },
  },
  {
    name: 'h2-stream-limit-get',
    about:
      "GETs, one and then 6 at once: undici's Pool sends one request at a time to each connection unless told `pipelining`, HTTP/2 or not (6 connections); httpx refuses the streams over the server's limit",
    server: { kind: 'h2-limit', streams: 2, latencyMs: 300 },
    request: { method: 'GET' },
    waves: [1, 6],
    gapMs: 100,
    settings: { httpx: { httpVersion: 2 }, undici: { httpVersion: 2 } },
  },
  {
    name: 'h2-pipelining',
    about:
      "undici with allowH2 and pipelining: 10, GETs one and then 6 at once: all 7 go on the one connection, its limit being its pipelining; Node's HTTP/2 session queues the streams over the server's 2",
    server: { kind: 'h2-limit', streams: 2, latencyMs: 300 },
    request: { method: 'GET' },
    waves: [1, 6],
    gapMs: 100,
    settings: { undici: { httpVersion: 2, pool: { pipelining: 10 } } },
  },
  {
    name: 'h2-pipelining-post',
    about: 'the same with POSTs: undici writes a POST only on a connection with nothing in flight',
    server: { kind: 'h2-limit', streams: 2, latencyMs: 300 },
    waves: [1, 6],
    gapMs: 100,
    settings: { undici: { httpVersion: 2, pool: { pipelining: 10 } } },
  },
  {
    name: 'large-error-body',
    about: 'the first 3 answers are 503 with a 1 MB body, then 200, 3 requests at once: a client that retries without reading the error body loses its connection',
    server: { kind: 'error-body', status: 503, bytes: 1_000_000, failures: 3, latencyMs: AT_ONCE_MS },
    waves: [3],
    settings: { ...all(), 'baseten-pc': bpc },
    connectionTolerance: each(1),
    toleranceWhy: 'three requests "at once" from threads or tasks may share a connection that freed in between, on either side',
  },
];
