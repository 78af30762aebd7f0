/** What the PerformanceClient's calls give back: every batched response carries BatchedMeta. */
import type { TailgateError } from '../errors.js';
import type { LogicalListener, LogicalResult } from '../policy/types.js';
import type { HttpMethod } from '../../util/index.js';
import type { SseEvent } from './sse.js';

/** What every batched response carries. */
export interface BatchedMeta {
  /** The whole call. */
  totalTimeMs: number;
  /** Each batch's logical request, retries and hedges included, in batch order (null if it failed). */
  individualRequestTimesMs: (number | null)[];
  /** The winning attempt's response headers per batch (null if it failed). */
  responseHeaders: (Record<string, string> | null)[];
  /** Failed batches, with partialFailure 'return'. */
  errors: BatchError[];
}

export interface BatchError {
  batchIndex: number;
  /** Index of the batch's first input, and how many inputs it held. */
  start: number;
  count: number;
  error: TailgateError;
}

export interface EmbeddingData {
  object: 'embedding';
  index: number;
  embedding: number[] | string;
}

export interface EmbeddingsResponse extends BatchedMeta {
  object: 'list';
  data: EmbeddingData[];
  model: string | null;
  usage: { prompt_tokens: number; total_tokens: number };
  /** All embeddings as one row-major matrix (decoding base64 when asked for it). */
  matrix(): { rows: number; cols: number; data: Float32Array };
}

export interface RerankResult {
  index: number;
  score: number;
  text?: string;
}
export interface RerankResponse extends BatchedMeta {
  data: RerankResult[];
}
export interface ClassifyResponse extends BatchedMeta {
  data: { label: string; score: number }[][];
}
export interface BatchPostResponse extends BatchedMeta {
  data: unknown[];
  statuses: (number | null)[];
}

export interface StreamHandle extends AsyncIterable<SseEvent> {
  /** From the call to the first event with content (a token; a role-only chunk is not one); null until then. */
  timeToFirstTokenMs: number | null;
  /** From the call to the first event of any kind (vLLM's benchmark times its TTFT to this one). */
  timeToFirstEventMs: number | null;
  /** Resolves when the stream ends, with its timing. */
  done: Promise<{ events: number; totalTimeMs: number; timeToFirstTokenMs: number | null; timeToFirstEventMs: number | null }>;
}

export interface LoadSessionRequest {
  method: HttpMethod;
  path: string;
  body: string | null;
  onData?: (chunk: Buffer) => void;
  discardBody?: boolean;
}

export interface LoadSession {
  send(request: LoadSessionRequest): Promise<LogicalResult>;
  /**
   * send() for a load generator: no promise, and none of the result's bookkeeping; `listener` is told
   * `logicalEnded(tag, error)` once it ends (error null on success), never synchronously.
   */
  submit<T>(request: LoadSessionRequest, listener: LogicalListener<T>, tag: T): void;
  /** Abort whatever is still in flight and clear timers. */
  close(): void;
  /** The session's own signal: every request of the session watches it; it aborts on close(). */
  readonly signal: AbortSignal;
}
