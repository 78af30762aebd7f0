/** What a probe is asked (options) and what it finds (result), and the request helpers its steps share. */
import { Engine, TailgateError, type HttpMethod } from '../../engine/index.js';

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

export interface ProbeResult {
  url: string;
  latencyMs: { samples: number; p50: number; p90: number; p99: number; max: number } | null;
  connectMs: number | null;
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
  maxRequestsPerConnection: { value: number | null; atLeast: number };
  http2: { tls: boolean | null; h2c: boolean | null };
  rateLimit: { startsAtRps: number | null; firstLimitedStageRps: number | null; retryAfter: string | null } | null;
  recommendations: { setting: string; value: string; why: string }[];
  /** What a step could not measure, and why (the server's quirks end a step, never the probe). */
  notes: string[];
}


export type ProbeRequest = { method: HttpMethod; path: string; body: string | null; headers: Record<string, string>; discardBody: boolean };

/** Any HTTP answer (a 429 or a 404 too) means the connection works; only transport failures reject. */
export async function answer(engine: Engine, req: ProbeRequest): Promise<Record<string, string>> {
  try {
    return (await engine.attempt(req)).headers;
  } catch (err) {
    if (err instanceof TailgateError && err.status !== undefined) return err.headers ?? {};
    throw err;
  }
}

export function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

