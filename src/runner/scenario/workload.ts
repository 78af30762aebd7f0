/**
 * Request bodies for a workload, generated once up front (a few hundred distinct ones, cycled), so the
 * load generator spends nothing per request on making text.
 */
import { seededRandom } from '../../../mock-server/index.js';
import { ENDPOINTS, type HttpMethod } from '../../engine/index.js';
import type { Scenario } from './scenario.js';

export interface WorkloadRequest {
  method: HttpMethod;
  path: string;
  body: string | null;
  /** Count the body's bytes and keep none of it. */
  discardBody?: boolean;
  /** Streams are read as they arrive. */
  onData?: (chunk: Buffer) => void;
}

const DISTINCT_BODIES = 256;
const WORDS = ['model', 'vector', 'latency', 'socket', 'pool', 'token', 'retry', 'hedge', 'budget', 'query', 'document', 'answer', 'search', 'rank'];

function text(rand: () => number, min: number, max: number): string {
  const target = min + Math.floor(rand() * (max - min + 1));
  let out = '';
  while (out.length < target) out += `${WORDS[Math.floor(rand() * WORDS.length)]} `;
  return out.slice(0, target);
}

/** A function returning the next request of the workload (cycling through pre-built bodies). */
export function workloadRequests(w: Scenario['workload'], seed = 1, extra: Partial<WorkloadRequest> = {}): () => WorkloadRequest {
  const rand = seededRandom(seed);
  const texts = (n: number) => Array.from({ length: n }, () => text(rand, w.textChars.min, w.textChars.max));
  const model = w.model === undefined ? {} : { model: w.model };
  const make = (): unknown => {
    switch (w.kind) {
      // The client's own endpoint table: a scenario's "embed" sends what PerformanceClient.embed sends.
      case 'embed':
        return ENDPOINTS.embed.body(texts(w.inputsPerRequest), model);
      case 'classify':
        return ENDPOINTS.classify.body(texts(w.inputsPerRequest), model);
      case 'rerank':
        return ENDPOINTS.rerank.body(texts(w.inputsPerRequest), { query: text(rand, 10, 40), ...model });
      case 'stream':
        // include_usage: the server's own token count, as OpenAI SDK users ask for it (else tokens are counted).
        return { messages: [{ role: 'user', content: text(rand, w.textChars.min, w.textChars.max) }], max_tokens: w.maxTokens, stream: true, stream_options: { include_usage: true }, ...model };
      case 'batchPost':
      case 'request':
        return w.body ?? null;
    }
  };
  const bodyless = w.method === 'GET' || w.method === 'HEAD' || w.method === 'OPTIONS' || w.method === 'DELETE';
  const distinct = w.kind === 'request' || w.kind === 'batchPost' ? 1 : DISTINCT_BODIES;
  const requests: WorkloadRequest[] = Array.from({ length: distinct }, () => {
    const body = make();
    return { method: w.method, path: w.path, body: bodyless || body === null ? null : JSON.stringify(body), ...extra };
  });
  let i = 0;
  return () => requests[i++ % requests.length] as WorkloadRequest;
}
