/**
 * What the server's answers become: each batch's results checked against its inputs (an answer that does
 * not match the request is a protocol_error, never a silent misalignment) and put back in input order.
 */
import { TailgateError } from '../errors.js';
import type { BatchOutcome } from './batch.js';
import type { EmbeddingData, RerankResult } from './responses.js';

type Results = readonly (BatchOutcome<string> | null)[];
type Label = { label: string; score: number };

export function readEmbeddings(results: Results): { data: EmbeddingData[]; model: string | null; usage: { prompt_tokens: number; total_tokens: number } } {
  const data: EmbeddingData[] = [];
  let model: string | null = null;
  const usage = { prompt_tokens: 0, total_tokens: 0 };
  results.forEach((res, b) => {
    if (!res) return;
    const body = res.body as { data?: { index: number; embedding: number[] | string }[]; model?: string; usage?: { prompt_tokens?: number; total_tokens?: number } };
    const batch = res.batch;
    const got = Array.isArray(body.data) ? body.data : [];
    if (got.length !== batch.items.length) {
      throw new TailgateError('protocol_error', `batch ${b}: the server returned ${got.length} embeddings for ${batch.items.length} inputs`);
    }
    const ordered = [...got].sort((x, y) => x.index - y.index);
    ordered.forEach((d, i) => data.push({ object: 'embedding', index: batch.start + i, embedding: d.embedding }));
    model ??= body.model ?? null;
    usage.prompt_tokens += body.usage?.prompt_tokens ?? 0;
    usage.total_tokens += body.usage?.total_tokens ?? 0;
  });
  return { data, model, usage };
}

/** Every batch's ranks, with indexes into the whole input, best first. */
export function readRerank(results: Results): RerankResult[] {
  const data: RerankResult[] = [];
  results.forEach((res, b) => {
    if (!res) return;
    const got = res.body as RerankResult[];
    if (!Array.isArray(got) || got.length !== res.batch.items.length) {
      throw new TailgateError('protocol_error', `batch ${b}: the server ranked ${Array.isArray(got) ? got.length : 0} of ${res.batch.items.length} texts`);
    }
    for (const r of got) data.push({ ...r, index: res.batch.start + r.index });
  });
  data.sort((x, y) => y.score - x.score);
  return data;
}

export function readClassify(results: Results): Label[][] {
  const data: Label[][] = [];
  results.forEach((res, b) => {
    if (!res) return;
    const got = res.body as Label[][];
    if (!Array.isArray(got) || got.length !== res.batch.items.length) {
      throw new TailgateError('protocol_error', `batch ${b}: the server classified ${Array.isArray(got) ? got.length : 0} of ${res.batch.items.length} inputs`);
    }
    got.forEach((labels, i) => (data[res.batch.start + i] = labels));
  });
  return data;
}

/** All embeddings as one row-major matrix, decoding base64 ones. */
export function toMatrix(data: EmbeddingData[]): { rows: number; cols: number; data: Float32Array } {
  const rows = data.length;
  if (rows === 0) return { rows: 0, cols: 0, data: new Float32Array(0) };
  const first = data[0]!.embedding;
  const cols = typeof first === 'string' ? Buffer.from(first, 'base64').length / 4 : first.length;
  const out = new Float32Array(rows * cols);
  data.forEach((d, r) => {
    if (typeof d.embedding === 'string') {
      const bytes = Buffer.from(d.embedding, 'base64');
      out.set(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)), r * cols);
    } else out.set(d.embedding, r * cols);
  });
  return { rows, cols, data: out };
}
