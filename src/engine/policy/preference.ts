/**
 * RequestProcessingPreference: how one PerformanceClient call batches, limits, times out, hedges and
 * retries, declared once with the schema kit: each option's range, default (Baseten's where it has one)
 * and doc. Scenarios take their hedging and budget options from here too. All problems at once.
 */
import { headersSchema } from '../config/index.js';
import { InvalidInputError } from '../errors.js';
import { problem, problemsOf, Type, withDefaults, type Static, type TSchema } from '../../util/schema.js';

const orNull = <T extends TSchema>(schema: T, description: string) => Type.Union([schema, Type.Null()], { default: null, description });

/** Ranges: Baseten's client allows timeoutS >= 1 and hedgeDelayS >= 0.2; tailgate allows shorter, for tests on loopback. */
export const PREFERENCE = Type.Object(
  {
    maxConcurrentRequests: Type.Integer({ minimum: 1, maximum: 1024, default: 128, description: 'requests of one call in flight at most' }),
    batchSize: Type.Integer({ minimum: 1, maximum: 1024, default: 128, description: 'inputs per request' }),
    maxCharsPerRequest: orNull(Type.Integer({ minimum: 1, maximum: 1e9 }), "characters per request across a batch's inputs (null = no limit)"),
    timeoutS: Type.Number({ minimum: 0.001, maximum: 7200, default: 3600, description: 'per-attempt timeout, seconds' }),
    totalTimeoutS: orNull(Type.Number({ minimum: 0.001, maximum: 7200 }), 'the whole call, retries and hedges included, seconds (null = none)'),
    hedgeDelayS: orNull(Type.Number({ minimum: 0.001, maximum: 30 }), 'send a hedge after this long while the first attempt is outstanding, seconds (null = never hedge)'),
    hedgeBudgetPct: Type.Number({ minimum: 0, maximum: 3, default: 0.1, description: 'hedges per request at most, as a share' }),
    retryBudgetPct: Type.Number({ minimum: 0, maximum: 3, default: 0.05, description: 'retries per request at most, as a share' }),
    maxRetries: orNull(Type.Integer({ minimum: 0, maximum: 100 }), "retries per request (null = as the client's config, its preset, says)"),
    initialBackoffMs: orNull(Type.Number({ minimum: 0, maximum: 600_000 }), "the first backoff (null = the client's)"),
    maxBackoffMs: orNull(Type.Number({ minimum: 0, maximum: 3_600_000 }), "the longest backoff (null = the client's)"),
    honorRetryAfter: orNull(Type.Boolean(), "wait for the server's Retry-After; false reproduces clients that ignore it (null = the client's)"),
    extraHeaders: headersSchema('headers added to every request of the call', {}),
    /** Not JSON: checked by the rules below. */
    signal: Type.Unsafe<AbortSignal | null>({ default: null, description: 'abort everything in flight when this aborts' }),
    cancelToken: Type.Unsafe<CancellationToken | null>({ default: null, description: "an alternative to signal, in the shape of Baseten's CancellationToken" }),
    partialFailure: Type.Enum(['throw', 'return'], { default: 'throw', description: 'throw: the first failed batch fails the call; return: results plus per-batch errors' }),
  },
  { additionalProperties: false },
);

/** What a call gives: any of the options, the rest from their defaults. */
export const PREFERENCE_INPUT = Type.Partial(PREFERENCE, { additionalProperties: false });

export type Preference = Static<typeof PREFERENCE>;
export type PartialFailure = Preference['partialFailure'];
export type PreferenceInput = Static<typeof PREFERENCE_INPUT>;

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

/** Every option's default, from the declaration. */
export const PREFERENCE_DEFAULTS: Preference = withDefaults(PREFERENCE, {});

/** @deprecated The numeric options' ranges in the table's old shape, derived from PREFERENCE; read PREFERENCE. */
export const PREFERENCE_SPECS: Record<string, { min: number; max: number; integer?: boolean; nullable?: boolean }> = Object.fromEntries(
  Object.entries(PREFERENCE.properties).flatMap(([key, schema]) => {
    const branches = ((schema as { anyOf?: Record<string, unknown>[] }).anyOf ?? [schema]) as Record<string, unknown>[];
    const n = branches.find((b) => b.type === 'number' || b.type === 'integer');
    if (!n) return [];
    return [[key, { min: n.minimum as number, max: n.maximum as number, ...(n.type === 'integer' ? { integer: true } : {}), ...(branches.length > 1 ? { nullable: true } : {}) }]];
  }),
);

export function resolvePreference(input: PreferenceInput = {}): Preference {
  const problems = problemsOf(PREFERENCE_INPUT, input, 'preference');
  const given = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  const p: Preference = { ...PREFERENCE_DEFAULTS, ...given, extraHeaders: { ...(input.extraHeaders ?? {}) } };
  if (problems.length === 0) {
    if (p.totalTimeoutS !== null && p.totalTimeoutS < p.timeoutS && input.timeoutS !== undefined) problems.push(problem('preference.totalTimeoutS', `must be >= timeoutS (${p.timeoutS})`, p.totalTimeoutS));
    if (p.maxBackoffMs !== null && p.initialBackoffMs !== null && p.maxBackoffMs < p.initialBackoffMs) {
      problems.push(problem('preference.maxBackoffMs', `must be >= initialBackoffMs (${p.initialBackoffMs})`, p.maxBackoffMs));
    }
    if (p.signal !== null && !(p.signal instanceof AbortSignal)) problems.push(problem('preference.signal', 'must be an AbortSignal'));
    if (p.cancelToken !== null && !(p.cancelToken instanceof CancellationToken)) problems.push(problem('preference.cancelToken', 'must be a CancellationToken'));
  }
  if (problems.length > 0) throw new InvalidInputError('preference', problems);
  return p;
}
