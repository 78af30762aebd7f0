/**
 * What a differential case is, and the helpers cases are written with. A client's settings are written
 * as tailgate config overrides; each driver maps them to its library as a user would write them (see
 * drivers/), and `native` carries what only the library names.
 */
import type { ClientConfigInput } from '../../src/index.js';
import type { Scripted } from './servers.js';

/** The clients the harness runs: each with a driver (drivers/) and a preset. Baseten's client joins a case only when named (its defaults retry for 42 s). */
export const CLIENTS = ['httpx', 'aiohttp', 'undici', 'fetch', 'openai-node', 'baseten-pc'] as const;
export type Client = (typeof CLIENTS)[number];

export interface Case {
  name: string;
  /** What it shows, for docs/fidelity.md. */
  about: string;
  /** The mock's faults (the server unless `server` names a scripted one). */
  faults?: unknown;
  /** A scripted server instead of the mock (servers.ts), for what the mock does not do. */
  server?: Scripted;
  /** The mock's accept queue (the backlog case fills it). */
  backlog?: number;
  /** Connections the harness opens and holds idle before the client starts (fills the mock's capacity). */
  holdConnections?: number;
  /** Requests per wave, sent at once; waves one after another, gapMs apart. */
  waves?: number[];
  gapMs?: number;
  /** A closed loop before any waves: `workers` users, each sending its next request when its last ended. */
  closedLoop?: { workers: number; requests: number };
  /** The request (default POST /v1/embeddings with a small JSON body). */
  request?: { method?: 'GET' | 'POST'; path?: string };
  /** Per client: its settings (tailgate config overrides), or absent when the client cannot express the case. */
  settings: Partial<Record<Client, Omit<ClientConfigInput, 'preset'>>>;
  /** Per client: settings only the library names (the driver passes them on as the library spells them). */
  native?: Partial<Record<Client, object>>;
  /** How far counts may differ where the case is not deterministic (each class, and the server's requests). */
  tolerance?: Partial<Record<Client, number>>;
  /** How far the connections the server accepted may differ. */
  connectionTolerance?: Partial<Record<Client, number>>;
  /** How far the requests the server saw may differ, when not as far as the outcomes (tolerance). */
  requestTolerance?: Partial<Record<Client, number>>;
  /** Why a tolerance is needed: printed beside the row. */
  toleranceWhy?: string;
  /** Environment variables of the client's process (the real side's; tailgate reads none of these). */
  env?: Record<string, string>;
}

/** Long enough that a loaded machine (a slow thread start, a late timer) does not move an answer across a pool wait's edge. */
export const LATENCY_MS = 1_000;
export const slow = (ms: number) => ({ rules: [{ kind: 'latency', dist: 'fixed', ms }] });
export const four = { pool: { connections: 4 } };
export const EVERY: Client[] = ['httpx', 'aiohttp', 'undici', 'fetch', 'openai-node'];
export const THREE_AT_ONCE = 'three requests "at once" from threads or tasks may share a connection that freed in between, on either side';
/** The same, when the answer is immediate (a 429 from the token bucket): one connection or three, on either side. */
export const THREE_AT_ONCE_ANSWERED_AT_ONCE = 'three requests "at once" answered at once (a 429) may each find the connection another just freed, or not: one connection or three, on either side';
export const all = (settings: Omit<ClientConfigInput, 'preset'> = {}) => Object.fromEntries(EVERY.map((c) => [c, settings])) as Case['settings'];

/**
 * An answer long enough that requests sent "at once" overlap even when a loaded machine starts a
 * driver's threads or tasks a few hundred milliseconds apart (else one reuses a connection another freed).
 */
export const AT_ONCE_MS = 300;

/** Baseten's client with retries short enough for a test (its defaults wait 125 ms·4ⁿ, five times). */
export const bpc = { retry: { maxRetries: 2, initialBackoffMs: 50 } };

/** The same tolerance for every client. */
export const each = (n: number): Partial<Record<Client, number>> => Object.fromEntries(CLIENTS.map((c) => [c, n]));

/** The library's preset in tailgate. */
export const PRESET_OF: Record<Client, string> = {
  httpx: 'httpx',
  aiohttp: 'aiohttp',
  undici: 'undici',
  fetch: 'fetch',
  'openai-node': 'openai-node',
  'baseten-pc': 'baseten-performance-client',
};
