/**
 * How each client library decides to retry, and how long it waits (RetryStyle, documented in
 * config/types.ts). One function per question, one branch per style, with the library's source named:
 * - tailgate: its own rules (safe transport failures and timeouts; 429/5xx; max(Retry-After, backoff)).
 * - openai-node 6.49 src/client.ts shouldRetry / retryRequest / calculateDefaultRetryTimeoutMillis.
 * - openai-python _base_client.py _should_retry / _calculate_retry_timeout.
 * - baseten-pc: truss baseten-performance-client/core/src/http_client.rs.
 * - httpx-transport: httpcore 0.16 _sync/connection.py HTTPConnection.handle_request (retries on
 *   ConnectError and ConnectTimeout only) and exponential_backoff(factor=0.5): 0, 0.5, 1, 2 … s.
 */
import type { RetryConfig, RetryStyle } from '../config/index.js';
import { codeForStatus, TailgateError, type ErrorCode } from '../errors.js';

/** Transport failures tailgate retries: nothing reached the server, or it did not answer in time. */
const TAILGATE_CODES = new Set<ErrorCode>(['connect_timeout', 'connect_refused', 'connect_error', 'read_timeout', 'attempt_timeout', 'stale_connection']);
const TAILGATE_STATUSES = new Set([429, 500, 502, 503, 504]);
/** Never retried by anyone: the caller (or the run) gave up. */
const FINAL = new Set<ErrorCode>(['cancelled', 'abandoned', 'total_timeout']);
const CONNECT = new Set<ErrorCode>(['connect_timeout', 'connect_refused', 'connect_error', 'port_exhausted']);
const TIMEOUTS = new Set<ErrorCode>(['connect_timeout', 'read_timeout', 'write_timeout', 'attempt_timeout', 'pool_timeout']);

/** 408, 409, 429 and every 5xx: what the OpenAI SDKs and Baseten's client retry. */
function sdkStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

export interface RetryDecision {
  /** Retry it at all. */
  retry: boolean;
  /** Wait this long first. */
  waitMs: number;
  /** The retry spends a token of the retry budget (false: only maxRetries bounds it). */
  budgeted: boolean;
}

const NO: RetryDecision = { retry: false, waitMs: 0, budgeted: false };

/**
 * Whether to retry after `err`, on retry number `retryNo` (0 = the first retry), and how long to wait.
 * `maxRetries` is checked by the caller.
 */
export function decideRetry(rules: RetryConfig, err: TailgateError, retryNo: number, random: () => number, now = Date.now()): RetryDecision {
  if (FINAL.has(err.code)) return NO;
  switch (rules.style) {
    case 'tailgate': {
      const retryable = err.status !== undefined ? TAILGATE_STATUSES.has(err.status) : TAILGATE_CODES.has(err.code) && !err.afterHeaders;
      if (!retryable) return NO;
      const hint = rules.honorRetryAfter ? retryAfterMs(err.headers, now) : null;
      return { retry: true, waitMs: Math.max(hint ?? 0, fullJitter(retryNo, rules, random)), budgeted: true };
    }
    case 'openai-node':
    case 'openai-python': {
      if (err.status !== undefined) {
        const should = err.headers?.['x-should-retry'];
        if (should === 'false') return NO;
        if (should !== 'true' && !sdkStatus(err.status)) return NO;
      } else if (err.afterHeaders && rules.style === 'openai-node') {
        // openai-node reads the body after its retry loop: a body failure is thrown, not retried.
        return NO;
      }
      const hint = rules.honorRetryAfter ? retryAfterMs(err.headers, now, true) : null;
      if (rules.style === 'openai-python') {
        if (hint !== null && hint > 120_000) return NO; // over MAX_RETRY_AFTER_DELAY: not retried at all
        return { retry: true, waitMs: hint !== null && hint > 0 ? hint : openAiBackoff(retryNo, rules, random), budgeted: false };
      }
      // openai-node 6.26-7.4 uses any Retry-After it can parse, as is (a past date: at once).
      return { retry: true, waitMs: hint !== null ? Math.max(0, hint) : openAiBackoff(retryNo, rules, random), budgeted: false };
    }
    case 'httpx-transport':
      // Only a connection that could not be opened; nothing that reached the server, no status, no budget.
      return CONNECT.has(err.code) ? { retry: true, waitMs: retryNo === 0 ? 0 : rules.initialBackoffMs * 2 ** (retryNo - 1), budgeted: false } : NO;
    case 'baseten-pc': {
      const waitMs = Math.min(rules.initialBackoffMs * 4 ** retryNo, rules.maxBackoffMs) + Math.floor(random() * 100);
      // Retry-After is never read; statuses are retried outside the budget.
      if (err.status !== undefined) return sdkStatus(err.status) ? { retry: true, waitMs, budgeted: false } : NO;
      // The body is read (and parsed) after the retry loop: a failure there is the call's.
      if (err.afterHeaders) return NO;
      if (CONNECT.has(err.code) && err.code !== 'connect_timeout') return retryNo <= 1 ? { retry: true, waitMs, budgeted: false } : NO;
      if (TIMEOUTS.has(err.code)) return { retry: true, waitMs, budgeted: true };
      // Other network errors: the first is free, later ones spend the budget.
      return { retry: true, waitMs, budgeted: retryNo > 0 };
    }
  }
}

/** Whether the rules retry an answer of this status and headers, leaving waits, budgets and deadlines aside. */
export function retriesStatus(rules: RetryConfig, status: number, headers: Record<string, string>): boolean {
  const code = codeForStatus(status);
  return code !== null && decideRetry(rules, new TailgateError(code, `HTTP ${status}`, { status, headers }), 0, () => 0).retry;
}

/** Hedges go out for these attempts only (Baseten's client: the primary and the first retry). */
export function hedgesAllowed(style: RetryStyle, retryNo: number): boolean {
  return style !== 'baseten-pc' || retryNo <= 1;
}

/** Baseten's client takes the first attempt of a race to finish, even a failure; the others take the first success. */
export function firstFinishWins(style: RetryStyle): boolean {
  return style === 'baseten-pc';
}

/** Full jitter (AWS Architecture Blog): uniform in [0, min(cap, base · 2ⁿ)]. */
export function fullJitter(retryNo: number, rules: Pick<RetryConfig, 'initialBackoffMs' | 'maxBackoffMs'>, random: () => number): number {
  return random() * Math.min(rules.maxBackoffMs, rules.initialBackoffMs * 2 ** retryNo);
}

/** The OpenAI SDKs: min(initial · 2ⁿ, max) × (1 − 0.25 · random). */
function openAiBackoff(retryNo: number, rules: RetryConfig, random: () => number): number {
  return Math.min(rules.initialBackoffMs * 2 ** retryNo, rules.maxBackoffMs) * (1 - 0.25 * random());
}

/**
 * Retry-After as delay-seconds or an HTTP date; with `msHeader`, the OpenAI SDKs' retry-after-ms first.
 * null when absent or unreadable.
 */
export function retryAfterMs(headers: Record<string, string> | undefined, now = Date.now(), msHeader = false): number | null {
  if (!headers) return null;
  if (msHeader) {
    const ms = Number.parseFloat(headers['retry-after-ms'] ?? '');
    if (Number.isFinite(ms)) return ms;
  }
  const value = headers['retry-after']?.trim();
  if (value === undefined || value === '') return null;
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : date - now;
}
