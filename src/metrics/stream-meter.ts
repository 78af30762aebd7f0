/**
 * What an LLM stream's reader sees, per request, as the client reads it: the time of the first content
 * (time to first token, not first byte), the gaps between content chunks (inter-token latency), and the
 * output tokens (from the server's usage when it sends one, else one per content chunk, and said which).
 * One meter per streamed request: only stream workloads pay for it. Parses OpenAI chat and completions
 * SSE chunks (`choices[0].delta.content`, `choices[0].text`) and TEI/BEI-style `token.text` events.
 */

export interface StreamOutcome {
  /** From the request's intended start to its first content chunk; null when none came. */
  ttftMs: number | null;
  /** Gaps between consecutive content chunks, in order. */
  itlMs: number[];
  tokens: number;
  /** Where the token count came from. */
  source: 'usage' | 'counted';
  /** (end − first token) / (tokens − 1): the time per output token after the first; null with < 2 tokens. */
  tpotMs: number | null;
}

export class StreamMeter {
  private pending = '';
  private first: number | null = null;
  private last: number | null = null;
  private counted = 0;
  private usage: number | null = null;
  readonly itlMs: number[] = [];
  /** Bound once, so the request can carry it as its onData. */
  readonly onData = (chunk: Buffer): void => this.read(chunk.toString('utf8'));

  constructor(
    private readonly intendedStart: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  private read(text: string): void {
    const at = this.now();
    this.pending += text;
    let nl = this.pending.indexOf('\n');
    while (nl !== -1) {
      const line = this.pending.slice(0, nl).trim();
      this.pending = this.pending.slice(nl + 1);
      if (line.startsWith('data:')) this.event(line.slice(5).trim(), at);
      nl = this.pending.indexOf('\n');
    }
  }

  private event(data: string, at: number): void {
    if (data === '' || data === '[DONE]') return;
    let parsed: { choices?: { delta?: { content?: unknown }; text?: unknown }[]; usage?: { completion_tokens?: unknown }; token?: { text?: unknown } };
    try {
      parsed = JSON.parse(data) as typeof parsed;
    } catch {
      return; // not JSON: not a token
    }
    const usage = parsed.usage?.completion_tokens;
    if (typeof usage === 'number') this.usage = usage;
    const choice = parsed.choices?.[0];
    const content = choice?.delta?.content ?? choice?.text ?? parsed.token?.text;
    if (typeof content !== 'string' || content === '') return;
    this.counted++;
    if (this.first === null) this.first = at;
    else if (this.last !== null) this.itlMs.push(at - this.last);
    this.last = at;
  }

  /** The request's stream as measured, at its end. */
  outcome(endedAt: number = this.now()): StreamOutcome {
    const tokens = this.usage ?? this.counted;
    const ttftMs = this.first === null ? null : this.first - this.intendedStart;
    const tpotMs = this.first !== null && tokens > 1 ? (endedAt - this.first) / (tokens - 1) : null;
    return { ttftMs, itlMs: this.itlMs, tokens, source: this.usage !== null ? 'usage' : 'counted', tpotMs };
  }
}
