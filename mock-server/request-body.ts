/** Reading a request body whole, within the size limit. */
import type { Req } from './state.js';

export const EMPTY_BODY = Buffer.alloc(0);

/**
 * Read `req`'s body. Beyond `maxBytes`, `onTooLarge` runs once and the rest is read and dropped (the
 * request stays readable to the end, so its answer can still be written).
 */
export function readBody(req: Req, maxBytes: number, onBody: (body: Buffer) => void, onTooLarge: () => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  req.on('data', (chunk: Buffer) => {
    if (tooLarge) return;
    size += chunk.length;
    if (size > maxBytes) {
      tooLarge = true;
      onTooLarge();
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (!tooLarge) onBody(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
  });
  req.on('error', () => {});
}
