/**
 * The differential cases: the same server and faults and the same client settings, once through the real
 * library and once through tailgate's preset of it. These are the first cases (pools, timeouts, idle
 * connections, retries on statuses); cases-connections.ts and cases-requests.ts hold the rest.
 */
import { all, AT_ONCE_MS, bpc, each, four, LATENCY_MS, slow, THREE_AT_ONCE, THREE_AT_ONCE_ANSWERED_AT_ONCE, type Case } from './case-kit.js';
import { CONNECTION_CASES } from './cases-connections.js';
import { REQUEST_CASES } from './cases-requests.js';

export { CLIENTS, PRESET_OF, type Case, type Client } from './case-kit.js';

const BASE_CASES: Case[] = [
  {
    name: 'pool-300ms',
    about: '16 requests at once, 4 connections, 1 s each; a pool wait (300 ms) shorter than one answer, by enough that threads slow to start still time out',
    faults: slow(1_000),
    waves: [16],
    settings: { httpx: { ...four, timeouts: { pool: 300 } }, aiohttp: { ...four, timeouts: { acquire: 300 } } },
  },
  {
    name: 'pool-1500ms',
    about: 'the same with a pool wait of 1.5 answers: httpx re-arms it at every released connection, aiohttp does not, undici has none',
    faults: slow(LATENCY_MS),
    waves: [16],
    settings: {
      httpx: { ...four, timeouts: { pool: 1_500 } },
      aiohttp: { ...four, timeouts: { acquire: 1_500 } },
      undici: four,
    },
  },
  {
    name: 'attempt-timeout-covers-wait',
    about: "one connection, 2 requests at once of 2 s, openai-node's timeout 3 s and no retries: the second waits 2 s for the connection, so its headers would come after 4 s and it times out; undici replaces the aborted connection at once",
    faults: slow(2_000),
    waves: [2],
    settings: { 'openai-node': { pool: { connections: 1 }, timeouts: { attempt: 3_000 }, retry: { maxRetries: 0 } } },
  },
  {
    name: 'pool-2500ms',
    about: 'a pool wait of 2.5 answers',
    faults: slow(LATENCY_MS),
    waves: [16],
    settings: { httpx: { ...four, timeouts: { pool: 2_500 } }, aiohttp: { ...four, timeouts: { acquire: 2_500 } } },
  },
  {
    name: 'total-2500ms',
    about: `aiohttp's total timeout covers the pool wait, the request and the body: 12 requests on 4 connections, ${LATENCY_MS} ms each; the last 4 get a connection after 2 s and time out half-way through their answer`,
    faults: slow(LATENCY_MS),
    waves: [12],
    settings: { aiohttp: { ...four, timeouts: { total: 2_500 } } },
  },
  {
    name: 'full-backlog',
    about: 'the server is at capacity and its accept queue (backlog 1) is full: connect timeouts',
    faults: { capacity: { maxConnections: 1, onExceed: 'backlog' }, ...slow(LATENCY_MS) },
    backlog: 1,
    holdConnections: 1,
    waves: [8],
    tolerance: { httpx: 1, aiohttp: 1, undici: 1 },
    toleranceWhy:
      "two connects fit the accept queue; a third can complete on the client's side as the queue fills (its final ACK then dropped by the server): it times out reading instead of connecting, on either side",
    settings: {
      httpx: { timeouts: { connect: 300, read: 1_000 } },
      aiohttp: { timeouts: { connect: 300, read: 1_000 } },
      undici: { timeouts: { connect: 300, read: 1_000 } },
    },
  },
  {
    name: 'slow-model',
    about: "a model (2 s) slower than the read timeout (300 ms; undici's fires on its 499 ms clock, up to a second late on a loaded machine) or the per-call timeout (600 ms)",
    faults: slow(2_000),
    waves: [4],
    settings: {
      httpx: { timeouts: { read: 300 } },
      aiohttp: { timeouts: { read: 300 } },
      undici: { timeouts: { read: 300 } },
      fetch: { timeouts: { attempt: 600 } },
      'openai-node': { timeouts: { attempt: 600 } },
      'baseten-pc': { ...bpc, timeouts: { attempt: 600 } },
    },
  },
  {
    name: 'idle-close',
    about: 'the server closes connections idle 300 ms (FIN, no Keep-Alive hint); a second wave 500 ms later',
    faults: { idleTimeoutMs: 300, keepAliveHint: false, ...slow(AT_ONCE_MS) },
    waves: [4, 4],
    gapMs: 500,
    settings: { ...all(), 'baseten-pc': bpc },
    connectionTolerance: each(1),
    toleranceWhy: "a connection the server closes as the second wave starts may be taken before its FIN arrives (then reopened), on either side",
  },
  {
    name: 'reset-on-reuse',
    about: 'the server resets a connection reused after 300 ms idle (the dead keep-alive race)',
    faults: { rules: [{ kind: 'reset_on_reuse', idleMs: 300 }, { kind: 'latency', dist: 'fixed', ms: AT_ONCE_MS }] },
    waves: [4, 4],
    gapMs: 500,
    settings: { ...all(), 'baseten-pc': bpc },
    connectionTolerance: { 'openai-node': 2, 'baseten-pc': 1 },
    toleranceWhy:
      "openai-node's and Baseten's retries open new connections; how many depends on their jittered backoff (openai-node 375-500 ms, Baseten's 50-149 ms) against the 300 ms idle limit: a retry may reuse a connection a sibling's retry opened, or not",

  },
  {
    name: '429-retry-after',
    about: '429 with Retry-After: 1 (a token bucket of 1/s), 3 at once',
    faults: { rules: [{ kind: 'rate_limit', rate: 1, burst: 1 }] },
    waves: [3],
    settings: { ...all(), 'baseten-pc': bpc },
    connectionTolerance: each(2),
    toleranceWhy: THREE_AT_ONCE_ANSWERED_AT_ONCE,
  },
  {
    name: '429-retry-after-date',
    about: 'the same, Retry-After as an HTTP date',
    faults: { rules: [{ kind: 'rate_limit', rate: 1, burst: 1, retryAfter: 'date' }] },
    waves: [3],
    settings: all(),
    connectionTolerance: each(2),
    toleranceWhy: THREE_AT_ONCE_ANSWERED_AT_ONCE,
  },
  {
    name: '503',
    about: 'every request answered 503 with Retry-After: 1',
    faults: { rules: [{ kind: 'status', status: 503, retryAfterS: 1 }] },
    waves: [3],
    settings: all(),
    connectionTolerance: each(1),
    toleranceWhy: THREE_AT_ONCE,
  },
  {
    name: 'truncated-body',
    about: 'the body is cut short after the headers',
    faults: { rules: [{ kind: 'truncated_body' }] },
    waves: [4],
    settings: { ...all(), 'baseten-pc': bpc },
  },
];

export const CASES: Case[] = [...BASE_CASES, ...CONNECTION_CASES, ...REQUEST_CASES];
