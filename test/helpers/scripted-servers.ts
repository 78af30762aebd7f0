/**
 * Servers whose behaviour depends on what is asked, for client-policy tests: they key on the attempt
 * label in x-request-id, or on the inputs, and record when each request arrived.
 */
import type http from 'node:http';
import { startHttpServer } from './faulty-servers.js';

export interface Arrival {
  at: number;
  requestId: string;
  body: string;
}

function collect(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => resolve(body));
  });
}

/** Primaries answer after `slowMs`, hedges at once: the hedge always wins. Records connection closes. */
export async function startSlowPrimaryServer(slowMs: number) {
  const arrivals: Arrival[] = [];
  const closedAt: number[] = [];
  const server = await startHttpServer(async (req, res) => {
    const body = await collect(req);
    const requestId = String(req.headers['x-request-id'] ?? '');
    arrivals.push({ at: performance.now(), requestId, body });
    const delay = requestId.endsWith('-primary') ? slowMs : 0;
    const timer = setTimeout(() => res.end(JSON.stringify({ servedBy: requestId })), delay);
    res.on('close', () => clearTimeout(timer));
  });
  server.server.on('connection', (s) => s.on('close', () => closedAt.push(performance.now())));
  return Object.assign(server, { arrivals, closedAt });
}

/** Answers the first `failures` requests with `status` (and Retry-After), then 200. */
export async function startFailThenSucceedServer(failures: number, status: number, retryAfter?: string | (() => string)) {
  const arrivals: Arrival[] = [];
  const server = await startHttpServer(async (req, res) => {
    const body = await collect(req);
    arrivals.push({ at: performance.now(), requestId: String(req.headers['x-request-id'] ?? ''), body });
    if (arrivals.length <= failures) {
      const hint = typeof retryAfter === 'function' ? retryAfter() : retryAfter;
      res.writeHead(status, { 'content-type': 'application/json', ...(hint ? { 'retry-after': hint } : {}) });
      res.end(JSON.stringify({ error: 'try again' }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true }));
  });
  return Object.assign(server, { arrivals });
}

/**
 * An OpenAI-shaped embeddings server that fails (422, not retryable) any batch containing `poison`, and
 * can be told to answer with fewer embeddings than inputs.
 */
export async function startEmbeddingsServer(options: { poison?: string; dropOne?: boolean } = {}) {
  const batches: string[][] = [];
  const server = await startHttpServer(async (req, res) => {
    const { input } = JSON.parse(await collect(req)) as { input: string[] };
    batches.push(input);
    if (options.poison && input.some((t) => t.includes(options.poison as string))) {
      res.writeHead(422, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'poisoned input' }));
      return;
    }
    const kept = options.dropOne ? input.slice(1) : input;
    const data = kept.map((t, index) => ({ object: 'embedding', index, embedding: [t.length, index] }));
    res.writeHead(200, { 'content-type': 'application/json', 'x-batch-size': String(input.length) });
    res.end(JSON.stringify({ object: 'list', data, model: 'scripted', usage: { prompt_tokens: input.length, total_tokens: input.length } }));
  });
  return Object.assign(server, { batches });
}
