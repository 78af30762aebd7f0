import { afterEach, describe, expect, it } from 'vitest';
import { embeddingFor, startMockServer, type MockServer } from '../../../mock-server/index.js';
import { InvalidInputError, PerformanceClient, SharedPool, resolvePreference } from '../../../src/index.js';
import { startEmbeddingsServer } from '../../helpers/scripted-servers.js';

describe('PerformanceClient API', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });
  async function mockClient(opts = {}) {
    const mock: MockServer = await startMockServer(opts);
    const client = new PerformanceClient({ baseUrl: mock.url, env: {} });
    closers.push(() => mock.close(), () => client.close());
    return { mock, client };
  }

  it('embed batches by batchSize, keeps input order across batches, sums usage, and gives a Float32 matrix', async () => {
    const { mock, client } = await mockClient({ embeddingDim: 8 });
    const input = Array.from({ length: 100 }, (_, i) => `text number ${i}`);
    const res = await client.embed(input, { model: 'm', preference: { batchSize: 16, maxConcurrentRequests: 4 } });
    expect(mock.stats().requests.byPath['/v1/embeddings']).toBe(7);
    expect(res.data.map((d) => d.index)).toEqual(input.map((_, i) => i));
    expect(res.data[57]!.embedding).toEqual(Array.from(embeddingFor('text number 57', 8)));
    expect(res.usage.total_tokens).toBeGreaterThanOrEqual(100);
    expect(res.individualRequestTimesMs).toHaveLength(7);
    expect(res.responseHeaders.every((h) => h?.['content-type'] === 'application/json')).toBe(true);
    const m = res.matrix();
    expect([m.rows, m.cols]).toEqual([100, 8]);
    expect(Array.from(m.data.subarray(57 * 8, 58 * 8))).toEqual(Array.from(embeddingFor('text number 57', 8)));
    const b64 = await client.embed(input.slice(0, 3), { encodingFormat: 'base64', dimensions: 8 });
    expect(Array.from(b64.matrix().data.subarray(8, 16))).toEqual(Array.from(embeddingFor('text number 1', 8)));
  });

  it('batches by maxCharsPerRequest too', async () => {
    const server = await startEmbeddingsServer();
    const client = new PerformanceClient({ baseUrl: server.url, env: {} });
    closers.push(server.close, () => client.close());
    await client.embed(Array.from({ length: 9 }, () => 'x'.repeat(10)), { preference: { batchSize: 100, maxCharsPerRequest: 35 } });
    expect(server.batches.map((b) => b.length)).toEqual([3, 3, 3]);
  });

  it('rerank and classify remap indices across batches', async () => {
    const { client } = await mockClient();
    const texts = ['apples are red', 'the sky', 'red red apples', 'grass', 'red'];
    const ranked = await client.rerank('red apples', texts, { returnText: true, preference: { batchSize: 2 } });
    expect(ranked.data).toHaveLength(5);
    expect(new Set(ranked.data.map((r) => r.index))).toEqual(new Set([0, 1, 2, 3, 4]));
    for (const r of ranked.data) expect(r.text).toBe(texts[r.index]);
    const classes = await client.classify(['good', 'bad', 'ugly'], { preference: { batchSize: 2 } });
    expect(classes.data).toHaveLength(3);
    expect(classes.data.every((labels) => labels.length === 2)).toBe(true);
  });

  it('a server answer that does not match the request is an error that says so', async () => {
    const server = await startEmbeddingsServer({ dropOne: true });
    const client = new PerformanceClient({ baseUrl: server.url, env: {} });
    closers.push(server.close, () => client.close());
    await expect(client.embed(Array.from({ length: 16 }, (_, i) => `t${i}`))).rejects.toThrow('the server returned 15 embeddings for 16 inputs');
  });

  it('partialFailure "return" gives the good batches and each failed batch with its error; "throw" fails the call', async () => {
    const server = await startEmbeddingsServer({ poison: 'bad' });
    const client = new PerformanceClient({ baseUrl: server.url, env: {} });
    closers.push(server.close, () => client.close());
    const input = ['a', 'b', 'bad', 'c', 'd', 'e'];
    const res = await client.embed(input, { preference: { batchSize: 2, partialFailure: 'return' } });
    expect(res.data.map((d) => d.index)).toEqual([0, 1, 4, 5]);
    expect(res.errors).toHaveLength(1);
    expect(res.errors[0]).toMatchObject({ batchIndex: 1, start: 2, count: 2 });
    expect(res.errors[0]!.error.status).toBe(422);
    expect(res.individualRequestTimesMs[1]).toBeNull();
    await expect(client.embed(input, { preference: { batchSize: 2 } })).rejects.toMatchObject({ status: 422 });
  });

  it('batchPost sends every method, in order, with the request id header carrying the attempt label', async () => {
    const { mock, client } = await mockClient();
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const) {
      const res = await client.batchPost('/health', [{}, {}], { method, preference: { partialFailure: 'return' } });
      expect(res.statuses.length).toBe(2);
    }
    const res = await client.batchPost('/v1/embeddings', [{ input: 'a' }, { input: 'b' }]);
    expect((res.data as { data: { embedding: number[] }[] }[])[1]!.data[0]!.embedding).toEqual(Array.from(embeddingFor('b', 32)));
    expect(mock.stats().requests.byAttemptKind.primary).toBeGreaterThanOrEqual(16);
  });

  it('stream reads SSE with time to first token', async () => {
    const { client } = await mockClient({ tokensPerSecond: 50 });
    const handle = client.stream('/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }], max_tokens: 5, stream: true });
    const events: string[] = [];
    for await (const e of handle) events.push(e.data);
    const summary = await handle.done;
    expect(events.at(-1)).toBe('[DONE]');
    expect(events).toHaveLength(7);
    expect(summary.timeToFirstTokenMs).toBeGreaterThanOrEqual(15);
    expect(summary.totalTimeMs).toBeGreaterThan(summary.timeToFirstTokenMs!);
  });

  it('a SharedPool lets several clients share connections', async () => {
    const mock = await startMockServer();
    const pool = new SharedPool({}, { env: {} });
    closers.push(() => mock.close(), () => pool.close());
    const a = new PerformanceClient({ baseUrl: mock.url, pool, env: {} });
    const b = new PerformanceClient({ baseUrl: mock.url, pool, env: {} });
    await a.embed(['x']);
    await b.embed(['y']);
    expect(a.engine).toBe(b.engine);
    expect(mock.stats().connections.accepted).toBe(1);
  });

  it('validates the preference against its declaration, listing every problem, then the rules between options', () => {
    const problems = (input: unknown) => {
      try {
        resolvePreference(input as never);
      } catch (e) {
        return (e as InvalidInputError).problems;
      }
      return [];
    };
    expect(problems({ maxConcurrentRequests: 0, batchSize: 2000, hedgeBudgetPct: 4, partialFailure: 'ignore', hedgeDelaySec: 1, extraHeaders: { 'x-team': 'a\nb' } })).toEqual([
      'preference.maxConcurrentRequests must be an integer in 1..1024, got 0',
      'preference.batchSize must be an integer in 1..1024, got 2000',
      'preference.hedgeBudgetPct must be a number in 0..3, got 4',
      'preference.partialFailure must be one of throw, return, got "ignore"',
      'preference.hedgeDelaySec is not a known field (did you mean hedgeDelayS?)',
      'preference.extraHeaders.x-team is not valid (a header value: no line breaks or NUL)',
    ]);
    expect(problems({ timeoutS: 10, totalTimeoutS: 5, signal: 'soon' })).toEqual(['preference.totalTimeoutS must be >= timeoutS (10), got 5', 'preference.signal must be an AbortSignal']);
    expect(resolvePreference({ hedgeDelayS: 0.05, timeoutS: undefined })).toMatchObject({ hedgeDelayS: 0.05, timeoutS: 3600, batchSize: 128 });
  });

  it('request id prefix from PERFORMANCE_CLIENT_REQUEST_ID_PREFIX; log level from PERFORMANCE_CLIENT_LOG_LEVEL', async () => {
    const server = await startEmbeddingsServer();
    const lines: string[] = [];
    const client = new PerformanceClient({
      baseUrl: server.url,
      apiKey: 'sk-secret-value',
      env: { PERFORMANCE_CLIENT_REQUEST_ID_PREFIX: 'myapp', PERFORMANCE_CLIENT_LOG_LEVEL: 'debug' },
      logSink: (l) => lines.push(l),
    });
    closers.push(server.close, () => client.close());
    expect(client.logger.level).toBe('debug');
    const res = await client.embed(['a']);
    expect(res.data).toHaveLength(1);
    expect(lines.join('\n')).not.toContain('sk-secret-value');
  });
});
