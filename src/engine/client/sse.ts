/**
 * The one reader of Server-Sent Events streams, used by the client's stream() and by the runner's
 * stream meter alike: bytes in (split anywhere, multi-byte characters too), complete events out, as the
 * HTML standard's event-stream parsing says (lines end with LF, CRLF or CR; a blank line dispatches;
 * `data:` lines join with newlines; comments and unknown fields are skipped; an unfinished event at the
 * end is dropped). `readChunk` then says once what an inference stream's event carries.
 */
import { StringDecoder } from 'node:string_decoder';

export interface SseEvent {
  event: string | null;
  data: string;
}

export class SseParser {
  private readonly decoder = new StringDecoder('utf8');
  /** The line begun in an earlier chunk. */
  private partial = '';
  /** The previous chunk ended with CR: an LF opening this one belongs to it. */
  private skipLf = false;
  private data: string | null = null;
  private event: string | null = null;

  /** Feed a chunk; `onEvent` is called for each event it completes (no array per chunk). */
  push(chunk: Buffer | string, onEvent: (data: string, event: string | null) => void): void {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    let start = this.skipLf && text.charCodeAt(0) === 10 ? 1 : 0;
    this.skipLf = false;
    // The next LF and the next CR, each found once (streams end lines with LF: CR is rarely there).
    let lf = text.indexOf('\n', start);
    let cr = text.indexOf('\r', start);
    while (lf !== -1 || cr !== -1) {
      const i = cr === -1 || (lf !== -1 && lf < cr) ? lf : cr;
      const line = this.partial === '' ? text.slice(start, i) : this.partial + text.slice(start, i);
      this.partial = '';
      start = i + 1;
      if (i === cr) {
        if (start === text.length) this.skipLf = true;
        else if (lf === start) start++;
        cr = text.indexOf('\r', start);
      }
      if (lf !== -1 && lf < start) lf = text.indexOf('\n', start);
      this.line(line, onEvent);
    }
    if (start < text.length) this.partial += text.slice(start);
  }

  /** Every event in this chunk, as objects (for callers that queue them). */
  events(chunk: Buffer | string): SseEvent[] {
    const out: SseEvent[] = [];
    this.push(chunk, (data, event) => out.push({ event, data }));
    return out;
  }

  private line(line: string, onEvent: (data: string, event: string | null) => void): void {
    if (line === '') {
      if (this.data !== null) onEvent(this.data, this.event);
      this.data = null;
      this.event = null;
      return;
    }
    if (line.charCodeAt(0) === 58) return; // ':' a comment
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.charCodeAt(colon + 1) === 32 ? line.slice(colon + 2) : line.slice(colon + 1);
    if (field === 'data') this.data = this.data === null ? value : `${this.data}\n${value}`;
    else if (field === 'event') this.event = value;
  }
}

/** What one event of an inference stream carries (OpenAI chat and completions chunks, TEI/TGI token events). */
export interface StreamChunk {
  /** A generation chunk: non-empty `choices` (the role-only first chunk too) or a TEI `token`. */
  generation: boolean;
  /** It carries output text (a non-empty delta.content, text, or token.text): a token, as clients see one. */
  content: boolean;
  /** The server's count of output tokens (usage.completion_tokens), when this chunk has it. */
  usageTokens: number | null;
}

/** `data: [DONE]`: the end of an OpenAI stream, not a chunk. */
export const DONE = 'done' as const;

/** Read an event's data once: DONE, a chunk, or null when it is not JSON (not a chunk any client counts). */
export function readChunk(data: string): StreamChunk | typeof DONE | null {
  if (data === '[DONE]') return DONE;
  let parsed: { choices?: { delta?: { content?: unknown }; text?: unknown }[]; usage?: { completion_tokens?: unknown } | null; token?: { text?: unknown } };
  try {
    parsed = JSON.parse(data) as typeof parsed;
  } catch {
    return null;
  }
  if (parsed === null || typeof parsed !== 'object') return null;
  const choices = Array.isArray(parsed.choices) ? parsed.choices : null;
  const choice = choices?.[0];
  const text = choice?.delta?.content ?? choice?.text ?? parsed.token?.text;
  const usage = parsed.usage?.completion_tokens;
  return {
    generation: (choices !== null && choices.length > 0) || (parsed.token !== undefined && parsed.token !== null),
    content: typeof text === 'string' && text !== '',
    usageTokens: typeof usage === 'number' && Number.isFinite(usage) && usage >= 0 ? usage : null,
  };
}
