/**
 * The differential cases: the same mock faults and the same client settings, once through the real
 * library and once through tailgate's preset of it. A client's settings are written as tailgate config
 * overrides; each driver maps them to its library as a user would write them (see drivers/).
 */
import type { ClientConfigInput } from '../../src/index.js';

export const CLIENTS = ['httpx', 'aiohttp', 'undici', 'fetch', 'openai-node'] as const;
export type Client = (typeof CLIENTS)[number];

export interface Case {
  name: string;
  /** What it shows, for docs/fidelity.md. */
  about: string;
  faults: unknown;
  /** The mock's accept queue (the backlog case fills it). */
  backlog?: number;
  /** Connections the harness opens and holds idle before the client starts (fills the mock's capacity). */
  holdConnections?: number;
  /** Requests per wave, sent at once; waves one after another, gapMs apart. */
  waves: number[];
  gapMs?: number;
  /** Per client: its settings (tailgate config overrides), or absent when the client cannot express the case. */
  settings: Partial<Record<Client, Omit<ClientConfigInput, 'preset'>>>;
  /** How far counts may differ where the case is not deterministic (each class, and the server's requests). */
  tolerance?: Partial<Record<Client, number>>;
  /** How far the connections the server accepted may differ. */
  connectionTolerance?: Partial<Record<Client, number>>;
  /** How far the requests the server saw may differ, when not as far as the outcomes (tolerance). */
  requestTolerance?: Partial<Record<Client, number>>;
}

const LATENCY_MS = 300;
const slow = (ms: number) => ({ rules: [{ kind: 'latency', dist: 'fixed', ms }] });
const four = { pool: { connections: 4 } };
const EVERY: Client[] = [...CLIENTS];
const all = (settings: Omit<ClientConfigInput, 'preset'> = {}) => Object.fromEntries(EVERY.map((c) => [c, settings])) as Case['settings'];

export const CASES: Case[] = [
  {
    name: 'pool-200ms',
    about: `16 requests at once, 4 connections, ${LATENCY_MS} ms each; a pool wait shorter than one answer`,
    faults: slow(LATENCY_MS),
    waves: [16],
    settings: { httpx: { ...four, timeouts: { pool: 200 } }, aiohttp: { ...four, timeouts: { acquire: 200 } } },
  },
  {
    name: 'pool-450ms',
    about: 'the same with a pool wait of 1.5 answers: httpx re-arms it at every released connection, aiohttp does not, undici has none',
    faults: slow(LATENCY_MS),
    waves: [16],
    settings: {
      httpx: { ...four, timeouts: { pool: 450 } },
      aiohttp: { ...four, timeouts: { acquire: 450 } },
      undici: four,
      // openai-node: its timeout covers the wait for a connection; it retries twice, with jitter.
      'openai-node': { ...four, timeouts: { attempt: 450 } },
    },
    // Jittered backoff decides how many retries land while connections are free.
    tolerance: { 'openai-node': 3 },
    // Which retries are cut by their own 450 ms timeout after reaching the server depends on the same
    // jitter and on the neighbours' load: 28 to 34 requests seen in repeated runs of either side.
    requestTolerance: { 'openai-node': 8 },
    // undici opens a replacement connection for each request aborted in flight, and more than tailgate reproduces.
    connectionTolerance: { 'openai-node': 16 },
  },
  {
    name: 'pool-750ms',
    about: 'a pool wait of 2.5 answers',
    faults: slow(LATENCY_MS),
    waves: [16],
    settings: { httpx: { ...four, timeouts: { pool: 750 } }, aiohttp: { ...four, timeouts: { acquire: 750 } } },
  },
  {
    name: 'total-750ms',
    about: "aiohttp's total timeout covers the pool wait, the request and the body",
    faults: slow(LATENCY_MS),
    waves: [16],
    settings: { aiohttp: { ...four, timeouts: { total: 750 } } },
  },
  {
    name: 'full-backlog',
    about: 'the server is at capacity and its accept queue (backlog 1) is full: connect timeouts',
    faults: { capacity: { maxConnections: 1, onExceed: 'backlog' }, ...slow(LATENCY_MS) },
    backlog: 1,
    holdConnections: 1,
    waves: [8],
    // Two connects fit the accept queue; a third can complete on the client's side as the queue fills (its
    // final ACK then dropped by the server): it times out reading instead of connecting.
    tolerance: { httpx: 1, aiohttp: 1, undici: 1 },
    settings: {
      httpx: { timeouts: { connect: 300, read: 1_000 } },
      aiohttp: { timeouts: { connect: 300, read: 1_000 } },
      undici: { timeouts: { connect: 300, read: 1_000 } },
    },
  },
  {
    name: 'slow-model',
    about: 'a model slower than the read timeout',
    faults: slow(1_000),
    waves: [4],
    settings: {
      httpx: { timeouts: { read: 300 } },
      aiohttp: { timeouts: { read: 300 } },
      undici: { timeouts: { read: 300 } },
      fetch: { timeouts: { attempt: 300 } },
      'openai-node': { timeouts: { attempt: 300 } },
    },
  },
  {
    name: 'idle-close',
    about: 'the server closes connections idle 300 ms (FIN, no Keep-Alive hint); a second wave 500 ms later',
    faults: { idleTimeoutMs: 300, keepAliveHint: false, ...slow(20) },
    waves: [4, 4],
    gapMs: 500,
    settings: all(),
    connectionTolerance: Object.fromEntries(EVERY.map((c) => [c, 1])),
  },
  {
    name: 'reset-on-reuse',
    about: 'the server resets a connection reused after 300 ms idle (the dead keep-alive race)',
    faults: { rules: [{ kind: 'reset_on_reuse', idleMs: 300 }, { kind: 'latency', dist: 'fixed', ms: 20 }] },
    waves: [4, 4],
    gapMs: 500,
    settings: all(),
    // openai-node's retries open new connections; how many depends on its jittered backoff (375-500 ms)
    // against the 300 ms idle limit: a retry may reuse a connection a sibling's retry opened, or not.
    connectionTolerance: { 'openai-node': 2 },
  },
  {
    name: '429-retry-after',
    about: '429 with Retry-After: 1 (a token bucket of 1/s), 3 at once',
    faults: { rules: [{ kind: 'rate_limit', rate: 1, burst: 1 }] },
    waves: [3],
    settings: all(),
    // Three requests "at once" from threads or tasks may share a connection that freed in between.
    connectionTolerance: Object.fromEntries(EVERY.map((c) => [c, 1])),
  },
  {
    name: '429-retry-after-date',
    about: 'the same, Retry-After as an HTTP date',
    faults: { rules: [{ kind: 'rate_limit', rate: 1, burst: 1, retryAfter: 'date' }] },
    waves: [3],
    settings: all(),
    connectionTolerance: Object.fromEntries(EVERY.map((c) => [c, 1])),
  },
  {
    name: '503',
    about: 'every request answered 503 with Retry-After: 1',
    faults: { rules: [{ kind: 'status', status: 503, retryAfterS: 1 }] },
    waves: [3],
    settings: all(),
    connectionTolerance: Object.fromEntries(EVERY.map((c) => [c, 1])),
  },
  {
    name: 'truncated-body',
    about: 'the body is cut short after the headers',
    faults: { rules: [{ kind: 'truncated_body' }] },
    waves: [4],
    settings: all(),
  },
];

/** The library's preset in tailgate. */
export const PRESET_OF: Record<Client, string> = { httpx: 'httpx', aiohttp: 'aiohttp', undici: 'undici', fetch: 'fetch', 'openai-node': 'openai-node' };
