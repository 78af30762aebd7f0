/**
 * An encoded histogram read from someone's file, checked before hdr-histogram-js decodes it. The library
 * trusts what it reads: the header's range and precision size the counts array it allocates (5 significant
 * digits over 2^62 is gigabytes), a zero run of 2^50 buckets makes it loop that long, and the deflated
 * payload may inflate without bound. So the bytes are read here first, in the library's own V2 format,
 * at a cost bounded by the layout every tailgate histogram has (1 µs to an hour, 3 digits): the same
 * header as ours, at most one count per bucket of that layout, each within a 32-bit bucket.
 */
import { inflateSync } from 'node:zlib';
import { Type } from '../util/schema.js';
import { createHistogram, encodeHistogram } from './histogram.js';

const COMPRESSED_COOKIE = 0x1c849304;
const COOKIE = 0x1c849303;
/** cookie, payload length, normalizing offset, digits, lowest, highest, integer-to-double ratio. */
const HEADER_BYTES = 40;
/** A LEB128 ZigZag word of the V2 encoding. */
const MAX_WORD_BYTES = 9;
const MAX_BUCKET = 0xffff_ffff;

/** Buckets of the one layout tailgate's histograms have. */
const BUCKETS = (createHistogram() as unknown as { countsArrayLength: number }).countsArrayLength;
/** The most a histogram of that layout encodes to: its header and a full word for every bucket. */
const MAX_RAW_BYTES = HEADER_BYTES + BUCKETS * MAX_WORD_BYTES;

/**
 * The longest an encoded histogram can be (base64 of the cookie, the length and the deflated encoding,
 * which deflate may grow by 5 bytes per 16 KB block, plus its own header): a longer string is not one.
 */
export const MAX_HISTOGRAM_CHARS = Math.ceil((8 + MAX_RAW_BYTES + Math.ceil(MAX_RAW_BYTES / 16_383) * 5 + 11) / 3) * 4;

/** An encoded histogram as a report declares it: its content is checked on read (histogramProblem), before it is decoded. */
export const ENCODED_HISTOGRAM = Type.String({ maxLength: MAX_HISTOGRAM_CHARS, description: 'an HDR histogram (µs), compressed and base64-encoded' });

/** The header every histogram tailgate writes carries (digits, lowest, highest), read from one of its own. */
const OURS = (() => {
  const raw = inflated(Buffer.from(encodeHistogram(createHistogram()), 'base64'));
  if (typeof raw === 'string') throw new Error(`histogram-check: cannot read our own encoding (${raw})`);
  return header(raw);
})();

function header(raw: Buffer): { digits: number; lowest: number; highest: number } {
  return { digits: raw.readUInt32BE(12), lowest: raw.readUInt32BE(16) * 2 ** 32 + raw.readUInt32BE(20), highest: raw.readUInt32BE(24) * 2 ** 32 + raw.readUInt32BE(28) };
}

/** The inner encoding, inflated to at most what a histogram of our layout can be, or why not. */
function inflated(bytes: Buffer): Buffer | string {
  if (bytes.length < 8 || (bytes.readInt32BE(0) & ~0xf0) !== COMPRESSED_COOKIE) return 'not a compressed V2 histogram';
  const length = bytes.readUInt32BE(4);
  if (length > bytes.length - 8) return 'shorter than its header says';
  try {
    return inflateSync(bytes.subarray(8, 8 + length), { maxOutputLength: MAX_RAW_BYTES });
  } catch {
    return `its payload does not inflate to at most ${MAX_RAW_BYTES} bytes`;
  }
}

/** The problem with an encoded histogram, or null when hdr-histogram-js may decode it safely. */
export function histogramProblem(encoded: string): string | null {
  if (encoded.length > MAX_HISTOGRAM_CHARS) return `is ${encoded.length} characters; no histogram is longer than ${MAX_HISTOGRAM_CHARS}`;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) return 'is not base64';
  const raw = inflated(Buffer.from(encoded, 'base64'));
  if (typeof raw === 'string') return raw;
  if (raw.length < HEADER_BYTES || (raw.readInt32BE(0) & ~0xf0) !== COOKIE) return 'has no V2 histogram inside';
  const h = header(raw);
  if (h.digits !== OURS.digits || h.lowest !== OURS.lowest || h.highest !== OURS.highest) {
    return `is of another layout (${h.digits} digits, ${h.lowest}..${h.highest} µs; tailgate's are ${OURS.digits} digits, ${OURS.lowest}..${OURS.highest} µs)`;
  }
  const end = HEADER_BYTES + raw.readUInt32BE(4);
  if (end > raw.length) return 'is shorter than its payload length says';
  return countsProblem(raw, end);
}

/** Walks the counts (ZigZag LEB128 words: a count for the next bucket, or a run of empty buckets). */
function countsProblem(raw: Buffer, end: number): string | null {
  let at = HEADER_BYTES;
  let bucket = 0;
  let total = 0;
  while (at < end) {
    let word = 0;
    let scale = 1;
    for (let i = 0; ; i++) {
      if (at >= end) return 'ends inside a count';
      const byte = raw[at++] as number;
      // The ninth byte carries 8 bits, as the library reads it.
      word += (i === MAX_WORD_BYTES - 1 ? byte : byte & 0x7f) * scale;
      if (i === MAX_WORD_BYTES - 1 || (byte & 0x80) === 0) break;
      scale *= 128;
    }
    const value = word % 2 === 0 ? word / 2 : -(word + 1) / 2;
    if (value < 0) bucket -= value;
    else {
      if (value > MAX_BUCKET) return `has a count of ${value}, more than a bucket holds`;
      total += value;
      bucket++;
    }
    if (bucket > BUCKETS) return `has counts beyond its ${BUCKETS} buckets`;
  }
  return total > Number.MAX_SAFE_INTEGER ? 'counts more values than can be added exactly' : null;
}
