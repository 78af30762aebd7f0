/**
 * What an LLM stream's reader sees, per request, as the client reads it, through the engine's one SSE
 * parser: when the request was sent and when it was due, the first generation chunk (a role-only one
 * too), the first and last content chunks, every chunk's gap to the one before, and the output tokens
 * (from the server's usage when it sends one, else one per content chunk, and said which; no tokenizer).
 * From those, each request's TTFT, ITL and TPOT under each definition docs/metrics.md sets side by side:
 *   tailgate    from the intended start: TTFT to the first content; ITL every gap between content chunks;
 *               TPOT (end of the stream − first content) / (tokens − 1)
 *   vllm        vLLM's benchmark_serving, from the send: TTFT to the first chunk with choices (role-only
 *               counts); ITL every later such chunk's gap to the chunk before it; TPOT (last chunk − TTFT) / (tokens − 1)
 *   genai-perf  from the send, chunks without content dropped: TTFT to the first content; its ITL is
 *               (last content − first content) / (tokens − 1), vLLM's TPOT: one value per request
 * One meter per streamed request: only stream workloads pay for it.
 */
import { DONE, readChunk, SseParser } from '../engine/index.js';

export const METRIC_DEFINITIONS = ['tailgate', 'vllm', 'genai-perf'] as const;
export type MetricDefinitions = (typeof METRIC_DEFINITIONS)[number];

/** One request's stream timings under one definition, ms. */
export interface StreamTimings {
  /** Time to first token; null when none came. */
  ttftMs: number | null;
  /** The inter-token latencies this definition counts for the request, in order. */
  itlMs: number[];
  /** Time per output token after the first; null with fewer than 2 tokens. */
  tpotMs: number | null;
}

export interface StreamOutcome {
  tokens: number;
  /** Where the token count came from. */
  source: 'usage' | 'counted';
  byDefinition: Record<MetricDefinitions, StreamTimings>;
}

export class StreamMeter {
  private readonly parser = new SseParser();
  /** When the request was handed to the client (vLLM's and genai-perf's start). */
  private readonly sentAt: number;
  private firstGeneration: number | null = null;
  private firstContent: number | null = null;
  private lastContent: number | null = null;
  /** The last event that was not [DONE]. */
  private lastChunk: number | null = null;
  private counted = 0;
  private usage: number | null = null;
  private readonly contentGaps: number[] = [];
  private readonly chunkGaps: number[] = [];
  /** The time of the chunk being read (one clock reading per network read, shared by its events). */
  private at = 0;
  private readonly onEvent = (data: string): void => this.event(data);
  /** Bound once, so the request can carry it as its onData. */
  readonly onData = (chunk: Buffer): void => {
    this.at = this.now();
    this.parser.push(chunk, this.onEvent);
  };

  constructor(
    private readonly intendedStart: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.sentAt = now();
  }

  private event(data: string): void {
    const chunk = readChunk(data);
    if (chunk === DONE) return;
    const at = this.at;
    if (chunk !== null) {
      if (chunk.usageTokens !== null) this.usage = chunk.usageTokens;
      if (chunk.generation) {
        if (this.firstGeneration === null) this.firstGeneration = at;
        else if (this.lastChunk !== null) this.chunkGaps.push(at - this.lastChunk);
      }
      if (chunk.content) {
        this.counted++;
        if (this.lastContent !== null) this.contentGaps.push(at - this.lastContent);
        else this.firstContent = at;
        this.lastContent = at;
      }
    }
    this.lastChunk = at;
  }

  /** The request's stream as measured, at its end. */
  outcome(endedAt: number = this.now()): StreamOutcome {
    const tokens = this.usage ?? this.counted;
    const perToken = (from: number | null, to: number | null) => (from !== null && to !== null && tokens > 1 ? (to - from) / (tokens - 1) : null);
    const genaiItl = perToken(this.firstContent, this.lastContent);
    return {
      tokens,
      source: this.usage !== null ? 'usage' : 'counted',
      byDefinition: {
        tailgate: { ttftMs: this.since(this.intendedStart, this.firstContent), itlMs: this.contentGaps, tpotMs: perToken(this.firstContent, endedAt) },
        vllm: { ttftMs: this.since(this.sentAt, this.firstGeneration), itlMs: this.chunkGaps, tpotMs: perToken(this.firstGeneration, this.lastChunk) },
        'genai-perf': { ttftMs: this.since(this.sentAt, this.firstContent), itlMs: genaiItl === null ? [] : [genaiItl], tpotMs: genaiItl },
      },
    };
  }

  private since(start: number, at: number | null): number | null {
    return at === null ? null : at - start;
  }
}
