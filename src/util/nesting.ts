/**
 * A bound on nesting, checked before a parser sees the text: JSON.parse spends seconds on `[[[[…` a
 * million deep, and the yaml package seconds or all the memory there is (it fails by recursion, then
 * builds its message), so a few hundred kilobytes could stall or kill whoever reads them.
 */

const OPEN_SQUARE = 0x5b;
const OPEN_CURLY = 0x7b;
const CLOSE_SQUARE = 0x5d;
const CLOSE_CURLY = 0x7d;
const DOUBLE_QUOTE = 0x22;
const SINGLE_QUOTE = 0x27;
const BACKSLASH = 0x5c;
const HASH = 0x23;
const NEWLINE = 0x0a;

/** Where a quote opens a string (JSON's and YAML's token starts); elsewhere it is a plain character. */
const startsToken = (c: number) => c === NEWLINE || c === 0x20 || c === 0x09 || c === 0x0d || c === 0x3a || c === 0x2c || c === OPEN_SQUARE || c === OPEN_CURLY;

/**
 * Does `text` (JSON, or YAML) nest brackets deeper than `limit`? One linear pass. Strings and comments
 * are skipped; a string ends at its line's end at the latest, so a stray quote cannot hide nesting from
 * the scan (a YAML string spanning lines only counts its brackets, which errs on the safe side).
 */
export function nestingDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let prev = NEWLINE;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c === DOUBLE_QUOTE || c === SINGLE_QUOTE) && startsToken(prev)) {
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === c || s === NEWLINE) break;
        if (c === DOUBLE_QUOTE && s === BACKSLASH) i++;
      }
      prev = c;
      continue;
    }
    if (c === HASH && startsToken(prev)) {
      while (i + 1 < text.length && text.charCodeAt(i + 1) !== NEWLINE) i++;
      continue;
    }
    if (c === OPEN_SQUARE || c === OPEN_CURLY) {
      if (++depth > limit) return true;
    } else if ((c === CLOSE_SQUARE || c === CLOSE_CURLY) && depth > 0) depth--;
    prev = c;
  }
  return false;
}
