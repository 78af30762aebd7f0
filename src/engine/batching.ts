/** Split inputs into batches by count and by characters, keeping each item's position. */
export interface Batch<T> {
  /** Index of the batch's first item in the input. */
  start: number;
  items: T[];
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
