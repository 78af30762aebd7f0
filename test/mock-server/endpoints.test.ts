import { afterEach, describe, expect, it } from 'vitest';
import { embeddingFor } from '../../mock-server/index.js';
import { Engine } from '../../src/index.js';
import { expectFailure } from '../helpers/expect-failure.js';
import { json, mockAndEngine } from '../helpers/mock.js';

describe('mock inference endpoints', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => close?.());

  async function setup(opts = {}, config = {}) {
    const s = await mockAndEngine(opts, config);
    close = s.close;
    return s;
  }

  it('POST /v1/embeddings answers in OpenAI shape, deterministic per input, float and base64', async () => {
    const { engine } = await setup();
    const res = await engine.attempt({ method: 'POST', path: '/v1/embeddings', body: json({ input: ['alpha', 'beta'], model: 'm', dimensions: 8 }) });
    const body = res.json<{ object: string; data: { index: number; embedding: number[] }[]; model: string; usage: { total_tokens: number } }>();
    expect(body.object).toBe('list');
    expect(body.model).toBe('m');
    expect(body.data.map((d) => d.index)).toEqual([0, 1]);
    expect(body.data[0]!.embedding).toHaveLength(8);
    expect(body.data[0]!.embedding).toEqual(Array.from(embeddingFor('alpha', 8)));
    expect(body.usage.total_tokens).toBeGreaterThan(0);

    const b64 = await engine.attempt({ method: 'POST', path: '/v1/embeddings', body: json({ input: 'alpha', dimensions: 8, encoding_format: 'base64' }) });
    const encoded = b64.json<{ data: { embedding: string }[] }>().data[0]!.embedding;
    const bytes = Buffer.from(encoded, 'base64');
    expect(Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, 8))).toEqual(Array.from(embeddingFor('alpha', 8)));
  });

  it('TEI/BEI shapes: /embed, /rerank (sorted, optional text), /classify and /predict', async () => {
    const { engine } = await setup({ embeddingDim: 4 });
    const embed = await engine.attempt({ method: 'POST', path: '/embed', body: json({ inputs: ['x', 'y', 'z'] }) });
    expect(embed.json<number[][]>().map((v) => v.length)).toEqual([4, 4, 4]);

    const rerank = await engine.attempt({
      method: 'POST',
      path: '/rerank',
      body: json({ query: 'red apples', texts: ['blue sky', 'red apples are sweet', 'green'], return_text: true }),
    });
    const ranked = rerank.json<{ index: number; score: number; text: string }[]>();
    expect(ranked[0]).toMatchObject({ index: 1, text: 'red apples are sweet' });
    expect(ranked.map((r) => r.score)).toEqual([...ranked.map((r) => r.score)].sort((a, b) => b - a));

    for (const path of ['/classify', '/predict']) {
      const res = await engine.attempt({ method: 'POST', path, body: json({ inputs: ['good', 'bad'] }) });
      const out = res.json<{ label: string; score: number }[][]>();
      expect(out).toHaveLength(2);
      expect(out[0]!.map((l) => l.label).sort()).toEqual(['negative', 'positive']);
    }
  });

  it('completions and chat completions, plain and streamed as SSE at the configured token rate', async () => {
    const { engine } = await setup({ tokensPerSecond: 100 });
    const plain = await engine.attempt({ method: 'POST', path: '/v1/completions', body: json({ prompt: 'hi', max_tokens: 4 }) });
    expect(plain.json<{ choices: { text: string }[] }>().choices[0]!.text).toBe('tok0 tok1 tok2 tok3 ');

    const events: string[] = [];
    let buffered = '';
    const t0 = performance.now();
    const streamed = await engine.attempt({
      method: 'POST',
      path: '/v1/chat/completions',
      body: json({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 10, stream: true }),
      onData: (chunk) => {
        buffered += chunk.toString();
        const parts = buffered.split('\n\n');
        buffered = parts.pop() ?? '';
        events.push(...parts.map((p) => p.replace(/^data: /, '')));
      },
    });
    const elapsed = performance.now() - t0;
    expect(streamed.headers['content-type']).toBe('text/event-stream');
    expect(events.at(-1)).toBe('[DONE]');
    expect(events).toHaveLength(12); // 10 tokens, the finish chunk with usage, [DONE]
    // 12 events at 100 tokens/s take at least ~110 ms.
    expect(elapsed).toBeGreaterThanOrEqual(100);
  });

  it('GET /health, and clear errors: 404 unknown path, 405 wrong method, 400 invalid JSON naming the problem, 413 too large', async () => {
    const { engine } = await setup({ maxBodyBytes: 1024 });
    expect((await engine.attempt({ method: 'GET', path: '/health' })).json()).toEqual({ status: 'ok' });
    expect((await expectFailure(engine.attempt({ method: 'POST', path: '/nope', body: '{}' }))).error.status).toBe(404);
    expect((await expectFailure(engine.attempt({ method: 'GET', path: '/v1/embeddings' }))).error.status).toBe(405);
    const bad = (await expectFailure(engine.attempt({ method: 'POST', path: '/v1/embeddings', body: '{"input": [' }))).error;
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('invalid JSON body');
    const wrong = (await expectFailure(engine.attempt({ method: 'POST', path: '/v1/embeddings', body: json({ input: 5 }) }))).error;
    expect(wrong.body).toContain('input must be a string or a non-empty list of strings');
    const big = (await expectFailure(engine.attempt({ method: 'POST', path: '/v1/embeddings', body: 'x'.repeat(4096) }))).error;
    expect(big.status).toBe(413);
    // ...and it still serves.
    expect((await engine.attempt({ method: 'GET', path: '/health' })).status).toBe(200);
  });

  it('serves HTTP/2 with prior knowledge (h2c) on the same port, and counts it', async () => {
    const { mock } = await setup();
    const h2 = new Engine(mock.url, { httpVersion: 2 }, { env: {} });
    try {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => h2.attempt({ method: 'POST', path: '/v1/embeddings', body: json({ input: `t${i}` }) })),
      );
      expect(results.every((r) => r.status === 200)).toBe(true);
      const stats = mock.stats();
      expect(stats.connections.http2).toBe(1);
      expect(stats.requests.byPath['/v1/embeddings']).toBe(10);
    } finally {
      await h2.close();
    }
  });
});
