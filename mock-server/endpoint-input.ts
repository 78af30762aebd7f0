/** Reading an endpoint's JSON request: the shapes it must have, and the refusals when it has not. */

export class BadRequest extends Error {
  readonly status: number = 400;
}

/** A request whose answer would be too large for the mock to build (413, named): it must never crash it. */
export class TooLarge extends BadRequest {
  override readonly status = 413;
}

export function asObject(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest('the body must be a JSON object');
  return body as Record<string, unknown>;
}

export function stringList(v: unknown, field: string): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')) return v as string[];
  throw new BadRequest(`${field} must be a string or a non-empty list of strings`);
}

/** FNV-1a: a stable 32-bit hash of a text, so answers are determined by their inputs. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Tokens in a text, estimated as a tokenizer averages on English: about four characters each. */
export const estimateTokens = (text: string): number => Math.max(1, Math.ceil(text.length / 4));
