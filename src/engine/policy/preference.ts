/**
 * RequestProcessingPreference: how one PerformanceClient call batches, limits, times out, hedges and
 * retries. Defaults and ranges in PREFERENCE_SPECS (Baseten's where it has one); all problems at once.
 */
import { InvalidInputError } from '../errors.js';

export type PartialFailure = 'throw' | 'return';

export interface Preference {
  maxConcurrentRequests: number;
  batchSize: number;
  /** Characters per request across a batch's inputs; null = no limit. */
  maxCharsPerRequest: number | null;
  /** Per-attempt timeout. */
  timeoutS: number;
  /** The whole call, retries and hedges included; null = none. */
  totalTimeoutS: number | null;
  /** Send a hedge after this long while the first attempt is outstanding; null = never hedge. */
  hedgeDelayS: number | null;
  hedgeBudgetPct: number;
  retryBudgetPct: number;
  /** Retries per request; null = as the client's config (its preset) says. */
  maxRetries: number | null;
  /** The first backoff; null = the client's. */
  initialBackoffMs: number | null;
  /** The longest backoff; null = the client's. */
  maxBackoffMs: number | null;
  /** Wait for the server's Retry-After (false reproduces clients that ignore it); null = the client's. */
  honorRetryAfter: boolean | null;
  extraHeaders: Record<string, string>;
  /** Abort everything in flight when this aborts. */
  signal: AbortSignal | null;
  /** Alternative to `signal`, in the shape of Baseten's CancellationToken. */
  cancelToken: CancellationToken | null;
  /** `throw`: the first failed batch fails the call. `return`: results plus per-batch errors. */
  partialFailure: PartialFailure;
}

export type PreferenceInput = Partial<Preference>;

/** Cancels every call it was given to, at once; may be shared across calls. */
export class CancellationToken {
  private readonly controller = new AbortController();
  get signal(): AbortSignal {
    return this.controller.signal;
  }
  cancel(reason = 'cancelled by token'): void {
    this.controller.abort(reason);
  }
  isCancelled(): boolean {
    return this.controller.signal.aborted;
  }
}

type NumSpec = { min: number; max: number; integer?: boolean; nullable?: boolean };

export const PREFERENCE_DEFAULTS: Preference = {
  maxConcurrentRequests: 128,
  batchSize: 128,
  maxCharsPerRequest: null,
  timeoutS: 3600,
  totalTimeoutS: null,
  hedgeDelayS: null,
  hedgeBudgetPct: 0.1,
  retryBudgetPct: 0.05,
  maxRetries: null,
  initialBackoffMs: null,
  maxBackoffMs: null,
  honorRetryAfter: null,
  extraHeaders: {},
  signal: null,
  cancelToken: null,
  partialFailure: 'throw',
};

/** Ranges. Baseten's client allows timeoutS >= 1 and hedgeDelayS >= 0.2; tailgate allows shorter, for tests on loopback. */
export const PREFERENCE_SPECS: Record<string, NumSpec> = {
  maxConcurrentRequests: { min: 1, max: 1024, integer: true },
  batchSize: { min: 1, max: 1024, integer: true },
  maxCharsPerRequest: { min: 1, max: 1e9, integer: true, nullable: true },
  timeoutS: { min: 0.001, max: 7200 },
  totalTimeoutS: { min: 0.001, max: 7200, nullable: true },
  hedgeDelayS: { min: 0.001, max: 30, nullable: true },
  hedgeBudgetPct: { min: 0, max: 3 },
  retryBudgetPct: { min: 0, max: 3 },
  maxRetries: { min: 0, max: 100, integer: true, nullable: true },
  initialBackoffMs: { min: 0, max: 600_000, nullable: true },
  maxBackoffMs: { min: 0, max: 3_600_000, nullable: true },
};

const OTHER_KEYS = ['honorRetryAfter', 'extraHeaders', 'signal', 'cancelToken', 'partialFailure'];

export function resolvePreference(input: PreferenceInput = {}): Preference {
  const problems: string[] = [];
  for (const key of Object.keys(input)) {
    if (!(key in PREFERENCE_SPECS) && !OTHER_KEYS.includes(key)) problems.push(`preference.${key} is not a known option`);
  }
  for (const [key, spec] of Object.entries(PREFERENCE_SPECS)) {
    const v = (input as Record<string, unknown>)[key];
    if (v === undefined || (v === null && spec.nullable)) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < spec.min || v > spec.max || (spec.integer && !Number.isInteger(v))) {
      const shown = typeof v === 'string' ? JSON.stringify(v) : String(v);
      problems.push(`preference.${key} must be ${spec.integer ? 'an integer' : 'a number'} in ${spec.min}..${spec.max}${spec.nullable ? ' or null' : ''}, got ${shown}`);
    }
  }
  const p: Preference = { ...PREFERENCE_DEFAULTS, ...input, extraHeaders: { ...(input.extraHeaders ?? {}) } };
  if (p.totalTimeoutS !== null && typeof p.totalTimeoutS === 'number' && p.totalTimeoutS < p.timeoutS && input.timeoutS !== undefined) {
    problems.push(`preference.totalTimeoutS (${p.totalTimeoutS}) must be >= timeoutS (${p.timeoutS})`);
  }
  if (p.maxBackoffMs !== null && p.initialBackoffMs !== null && p.maxBackoffMs < p.initialBackoffMs) {
    problems.push(`preference.maxBackoffMs (${p.maxBackoffMs}) must be >= initialBackoffMs (${p.initialBackoffMs})`);
  }
  if (p.partialFailure !== 'throw' && p.partialFailure !== 'return') {
    problems.push(`preference.partialFailure must be "throw" or "return", got ${JSON.stringify(p.partialFailure)}`);
  }
  if (p.honorRetryAfter !== null && typeof p.honorRetryAfter !== 'boolean') problems.push(`preference.honorRetryAfter must be true, false or null, got ${String(p.honorRetryAfter)}`);
  if (p.signal !== null && !(p.signal instanceof AbortSignal)) problems.push('preference.signal must be an AbortSignal');
  if (p.cancelToken !== null && !(p.cancelToken instanceof CancellationToken)) problems.push('preference.cancelToken must be a CancellationToken');
  for (const [k, v] of Object.entries(p.extraHeaders)) {
    if (typeof v !== 'string' || /[\r\n]/.test(v)) problems.push(`preference.extraHeaders.${k} must be a string without line breaks`);
  }
  if (problems.length > 0) throw new InvalidInputError('preference', problems);
  return p;
}
