/**
 * The batch executor: inputs split into batches by count and by characters, every batch sent as one
 * logical request under one call policy with at most maxConcurrentRequests attempts in flight, and the
 * results gathered in input order with the call's metadata.
 */
import { TailgateError } from '../errors.js';
import { runLogical } from '../policy/policy.js';
import { resolvePreference, type PreferenceInput } from '../policy/preference.js';
import type { ClientShared, LogicalResult } from '../policy/types.js';
import type { AttemptResult } from '../transport/request.js';
import type { HttpMethod } from '../../util/index.js';
import { callPolicy } from './call-policy.js';
import type { BatchedMeta, BatchError } from './responses.js';

/** Inputs that travel in one request, and where they start in the input. */
export interface Batch<T> {
  /** Index of the batch's first item in the input. */
  start: number;
  items: T[];
}

/** The request one batch becomes. */
export interface BatchRequest {
  path: string;
  body: unknown;
  method?: HttpMethod;
}

/** A batch that succeeded: its parsed body and status. */
export interface BatchOutcome<T> {
  batch: Batch<T>;
  body: unknown;
  status: number;
}

/**
 * Consecutive batches of at most `batchSize` items and at most `maxChars` characters (an item longer
 * than maxChars travels alone rather than being dropped).
 */
export function makeBatches<T>(items: readonly T[], batchSize: number, maxChars: number | null, charsOf: (item: T) => number): Batch<T>[] {
  const batches: Batch<T>[] = [];
  let current: T[] = [];
  let start = 0;
  let chars = 0;
  items.forEach((item, i) => {
    const n = maxChars === null ? 0 : charsOf(item);
    if (current.length > 0 && (current.length >= batchSize || (maxChars !== null && chars + n > maxChars))) {
      batches.push({ start, items: current });
      current = [];
      chars = 0;
      start = i;
    }
    current.push(item);
    chars += n;
  });
  if (current.length > 0) batches.push({ start, items: current });
  return batches;
}

/**
 * Batch, send every batch as a logical request under one call policy with at most maxConcurrentRequests
 * attempts in flight, and gather results in input order. `rawBodies`: a body that is not JSON is kept as
 * text rather than failing the batch.
 */
export async function runBatches<T>(
  shared: ClientShared,
  items: readonly T[],
  preferenceInput: PreferenceInput | undefined,
  charsOf: (item: T) => number,
  build: (batch: Batch<T>) => BatchRequest,
  rawBodies = false,
): Promise<{ results: (BatchOutcome<T> | null)[]; meta: BatchedMeta }> {
  const pref = resolvePreference(preferenceInput);
  const started = performance.now();
  const batches = makeBatches(items, pref.batchSize, pref.maxCharsPerRequest, charsOf);
  const results: (BatchOutcome<T> | null)[] = new Array(batches.length).fill(null);
  const times: (number | null)[] = new Array(batches.length).fill(null);
  const responses: (AttemptResult | null)[] = new Array(batches.length).fill(null);
  const errors: BatchError[] = [];
  const { policy, dispose } = callPolicy(shared, pref, batches.length);
  let next = 0;
  let firstError: unknown = null;

  // Workers pull batches in order; each logical request takes permits from the shared limiter for
  // every attempt it sends, so hedges and retries compete for the same concurrency.
  const worker = async () => {
    while (next < batches.length && firstError === null) {
      const index = next++;
      const batch = batches[index] as Batch<T>;
      const req = build(batch);
      try {
        const out: LogicalResult = await runLogical(shared, policy, {
          method: req.method ?? 'POST',
          path: req.path,
          body: req.body === undefined ? null : JSON.stringify(req.body),
        });
        results[index] = { batch, body: parseBody(out.response, rawBodies), status: out.response.status };
        times[index] = out.durationMs;
        responses[index] = out.response;
      } catch (err) {
        if (pref.partialFailure === 'throw') {
          firstError ??= err;
          dispose(); // one failure fails the call: abort everything still in flight
          break;
        }
        errors.push({ batchIndex: index, start: batch.start, count: batch.items.length, error: asTailgateError(err) });
        if (policy.signal.aborted) break; // cancelled or out of time: take no new batches
      }
    }
  };
  let stoppedBy: unknown = null;
  try {
    await Promise.all(Array.from({ length: Math.min(pref.maxConcurrentRequests, batches.length) }, worker));
    if (policy.signal.aborted) stoppedBy = policy.signal.reason;
  } finally {
    dispose();
  }
  if (firstError !== null) throw firstError;
  if (stoppedBy !== null) failUnsent(batches, results, errors, stoppedBy);
  errors.sort((a, b) => a.batchIndex - b.batchIndex);
  return { results, meta: batchMeta(performance.now() - started, times, responses, errors) };
}

/** Batches never sent because the call was cancelled or ran out of time are failures too. */
function failUnsent<T>(batches: Batch<T>[], results: (BatchOutcome<T> | null)[], errors: BatchError[], reason: unknown): void {
  for (let i = 0; i < batches.length; i++) {
    if (results[i] === null && !errors.some((e) => e.batchIndex === i)) {
      const batch = batches[i] as Batch<T>;
      errors.push({ batchIndex: i, start: batch.start, count: batch.items.length, error: asTailgateError(reason) });
    }
  }
}

/** The call's metadata; each batch's headers are parsed on first read (most callers never read them). */
function batchMeta(totalTimeMs: number, times: (number | null)[], responses: (AttemptResult | null)[], errors: BatchError[]): BatchedMeta {
  const meta: BatchedMeta = { totalTimeMs, individualRequestTimesMs: times, responseHeaders: [], errors };
  let headers: (Record<string, string> | null)[] | null = null;
  Object.defineProperty(meta, 'responseHeaders', {
    enumerable: true,
    get: () => (headers ??= responses.map((r) => (r ? r.headers : null))),
  });
  return meta;
}

/** Attach the batch metadata without evaluating its lazy getters (a spread would). */
export function withMeta<T extends object>(result: T, meta: BatchedMeta): T & BatchedMeta {
  return Object.defineProperties(result, Object.getOwnPropertyDescriptors(meta)) as T & BatchedMeta;
}

function asTailgateError(err: unknown): TailgateError {
  return err instanceof TailgateError ? err : new TailgateError('other', String(err), { cause: err });
}

function parseBody(res: AttemptResult, lenient: boolean): unknown {
  const text = res.text();
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch (err) {
    if (lenient) return text;
    throw new TailgateError('protocol_error', `the server's answer is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}
