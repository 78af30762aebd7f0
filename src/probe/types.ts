/** What a probe is asked (options) and what it finds (result). */
import type { HttpMethod } from '../engine/index.js';

export interface ProbeOptions {
  path: string;
  method: HttpMethod;
  body: string | null;
  headers: Record<string, string>;
  /** Longest idle time to watch for (and to search up to). */
  maxIdleMs: number;
  /** Requests to send on one connection looking for its limit. */
  maxRequests: number;
  /** Opt-in: look for the rate limit, never above this rate. */
  findRateLimit: boolean;
  maxRate: number;
  /** Expected traffic, for sizing the pool. */
  targetRate: number;
  env?: Record<string, string | undefined>;
  log?: (line: string) => void;
}

export const PROBE_DEFAULTS: Omit<ProbeOptions, 'path' | 'method' | 'body' | 'headers'> = {
  maxIdleMs: 120_000,
  // Above the request limits of common servers (nginx's keepalive_requests is 1000), still gentle:
  // serial, on one connection.
  maxRequests: 1200,
  findRateLimit: false,
  maxRate: 200,
  targetRate: 100,
};

/** Fresh connections opened only to time the handshake: their median is the connect time. */
export const CONNECT_SAMPLES = 5;

/** Answers in a row with no 2xx after which the probe stops asking (a 404 path, a path rate-limited hard). */
export const MAX_ANSWERS_WITHOUT_2XX = 10;

export interface ProbeResult {
  url: string;
  /** Every answer the probe received, by status: non-2xx answers are named, never dropped. */
  statuses: Record<string, number>;
  /** Time to first byte of 2xx answers on a reused connection (a new one's first answer pays for the connect). */
  latencyMs: { samples: number; p50: number; p90: number; p99: number; max: number } | null;
  /** Handshakes (TCP, proxy, TLS) of fresh connections: the median decides, the spread is shown. */
  connectMs: { samples: number; median: number; min: number; max: number } | null;
  keepAlive: {
    /** Measured idle timeout, ms; null if none was seen within maxIdleMs. */
    idleTimeoutMs: number | null;
    /** 'fin' (the server closed the idle connection), 'reuse-fails' (found by reusing after idle), or null. */
    how: 'fin' | 'reuse-fails' | null;
    hintS: number | null;
    hintTrue: boolean | null;
    /** How many idle closes the timeout was measured from (0 when found by search). */
    observations: number;
  };
  /**
   * Answers a connection gets before the server closes it, whatever their status. `value` only when two
   * connections in a row closed after the same count (an idle close while this machine stalled does not
   * repeat itself); `saidClose`: the last answer carried `Connection: close`.
   */
  maxRequestsPerConnection: { value: number | null; atLeast: number; connections: number; saidClose: boolean | null };
  http2: { tls: boolean | null; h2c: boolean | null };
  rateLimit: { startsAtRps: number | null; firstLimitedStageRps: number | null; retryAfter: string | null } | null;
  recommendations: { setting: string; value: string; why: string }[];
  /** Why there are no recommendations (the path never answered 2xx), or null. */
  noRecommendations: string | null;
  /** What a step could not measure, and why (the server's quirks end a step, never the probe). */
  notes: string[];
}

export type ProbeRequest = { method: HttpMethod; path: string; body: string | null; headers: Record<string, string>; discardBody: boolean; attemptTimeoutMs?: number };

/** What every step of the probe shares: the target, the request, the environment, the answers so far, notes. */
export interface Step {
  url: string;
  req: ProbeRequest;
  options: ProbeOptions;
  env: Record<string, string | undefined>;
  statuses: Record<string, number>;
  notes: string[];
  /** The slowest whole answer so far (ms): an answer may take a few times that before its step gives up on it. */
  slowestMs: number;
}

/** An answer may take this many times the slowest one so far ... */
export const DEADLINE_FACTOR = 4;
/** ... but never less than this (a 5 ms server's jitter) nor more than that: a drip-fed body ends its step. */
export const DEADLINE_MIN_MS = 1_000;
export const DEADLINE_MAX_MS = 60_000;

/** How long the next answer may take before its step gives up on it: 4× the slowest so far, within 1..60 s. */
export function answerDeadlineMs(s: Pick<Step, 'slowestMs'>): number {
  if (s.slowestMs <= 0) return DEADLINE_MAX_MS;
  return Math.min(DEADLINE_MAX_MS, Math.max(DEADLINE_MIN_MS, Math.ceil(DEADLINE_FACTOR * s.slowestMs)));
}

export function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

export const is2xx = (status: number | string) => Number(status) >= 200 && Number(status) < 300;
