/**
 * Each client's retry rules as its source states them (retry-rules.ts), and a preset's retries as real
 * behaviour: in the PerformanceClient and in the runner, without any per-call setting.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startMockProcess, type MockProcess } from '../../mock-server/index.js';
import { decideRetry, PerformanceClient, resolveConfig, TailgateError, type RetryConfig } from '../../src/index.js';
import { resolveScenario, runScenario } from '../../src/runner/index.js';

const rules = (preset: string): RetryConfig => resolveConfig({ preset }, { env: {} }).retry;
const status = (s: number, headers: Record<string, string> = {}) => new TailgateError(s === 429 ? 'http_429' : s >= 500 ? 'http_5xx' : 'http_4xx', `HTTP ${s}`, { status: s, headers });
const transport = (code: TailgateError['code'], afterHeaders = false) => new TailgateError(code, code, { afterHeaders });
const half = () => 0.5;

describe('retry rules, per client', () => {
  it('tailgate: 429 and 5xx but not 501; safe transport failures; never a body failure; max(Retry-After, backoff)', () => {
    const r = { ...rules('undici'), maxRetries: 3 };
    expect(decideRetry(r, status(503), 0, half).retry).toBe(true);
    expect(decideRetry(r, status(501), 0, half).retry).toBe(false);
    expect(decideRetry(r, status(409), 0, half).retry).toBe(false);
    expect(decideRetry(r, transport('stale_connection'), 0, half).retry).toBe(true);
    expect(decideRetry(r, transport('connection_reset'), 0, half).retry).toBe(false);
    expect(decideRetry(r, transport('read_timeout', true), 0, half).retry).toBe(false);
    expect(decideRetry(r, status(429, { 'retry-after': '2' }), 0, half).waitMs).toBe(2_000);
    expect(decideRetry(r, transport('abandoned'), 0, half).retry).toBe(false);
  });

  it('openai-node: 408, 409, 429, >= 500, x-should-retry first, every transport error but body failures; Retry-After as is', () => {
    const r = rules('openai-node');
    expect(r).toMatchObject({ style: 'openai-node', maxRetries: 2 });
    for (const s of [408, 409, 429, 500, 501, 503]) expect(decideRetry(r, status(s), 0, half).retry).toBe(true);
    expect(decideRetry(r, status(400), 0, half).retry).toBe(false);
    expect(decideRetry(r, status(400, { 'x-should-retry': 'true' }), 0, half).retry).toBe(true);
    expect(decideRetry(r, status(503, { 'x-should-retry': 'false' }), 0, half).retry).toBe(false);
    expect(decideRetry(r, transport('connection_reset'), 0, half).retry).toBe(true);
    expect(decideRetry(r, transport('connection_reset', true), 0, half).retry).toBe(false);
    // Backoff min(0.5·2ⁿ, 8) s × (1 − 0.25·random): 437.5 ms, then 875 ms, capped at 8 s less a quarter.
    expect(decideRetry(r, status(503), 0, half).waitMs).toBeCloseTo(437.5);
    expect(decideRetry(r, status(503), 1, half).waitMs).toBeCloseTo(875);
    expect(decideRetry(r, status(503), 10, () => 0).waitMs).toBe(8_000);
    // retry-after-ms first; then seconds, used as is (90 s: 90 s), or a date (in the past: at once).
    expect(decideRetry(r, status(429, { 'retry-after-ms': '250', 'retry-after': '3' }), 0, half).waitMs).toBe(250);
    expect(decideRetry(r, status(429, { 'retry-after': '90' }), 0, half).waitMs).toBe(90_000);
    expect(decideRetry(r, status(429, { 'retry-after': 'Wed, 01 Jan 2020 00:00:00 GMT' }), 0, half).waitMs).toBe(0);
  });

  it('openai-python: as openai-node, body failures retried too, a Retry-After over 120 s not retried at all', () => {
    const r = rules('openai-python');
    expect(r).toMatchObject({ style: 'openai-python', maxRetries: 2 });
    expect(decideRetry(r, transport('connection_reset', true), 0, half).retry).toBe(true);
    expect(decideRetry(r, transport('pool_timeout'), 0, half).retry).toBe(true);
    expect(decideRetry(r, status(429, { 'retry-after': '121' }), 0, half).retry).toBe(false);
    expect(decideRetry(r, status(429, { 'retry-after': '120' }), 0, half).waitMs).toBe(120_000);
    expect(decideRetry(r, status(429, { 'retry-after': '0' }), 0, half).waitMs).toBeCloseTo(437.5); // not > 0: backoff
  });

  it('httpx-transport (HTTPTransport(retries=N)): failed connects only, after 0, 0.5, 1, 2 s, never a status or a timeout after the connect, no budget', () => {
    const r = { ...rules('httpx'), maxRetries: 3 };
    expect(rules('httpx')).toMatchObject({ style: 'httpx-transport', maxRetries: 0 });
    expect([0, 1, 2, 3].map((n) => decideRetry(r, transport('connect_refused'), n, half))).toEqual(
      [0, 500, 1_000, 2_000].map((waitMs) => ({ retry: true, waitMs, budgeted: false })),
    );
    expect(decideRetry(r, transport('connect_timeout'), 0, half).retry).toBe(true);
    expect(decideRetry(r, transport('connect_error'), 0, half).retry).toBe(true);
    for (const err of [status(503), status(429, { 'retry-after': '1' }), transport('read_timeout'), transport('stale_connection'), transport('pool_timeout')]) {
      expect(decideRetry(r, err, 0, half).retry, err.code).toBe(false);
    }
  });

  it('baseten-pc: statuses outside the budget, timeouts from it, connects twice, backoff ×4, Retry-After ignored', () => {
    const r = rules('baseten-performance-client');
    expect(r).toMatchObject({ style: 'baseten-pc', maxRetries: 5, initialBackoffMs: 125, honorRetryAfter: false });
    const zero = () => 0;
    expect(decideRetry(r, status(429, { 'retry-after': '30' }), 0, zero)).toEqual({ retry: true, waitMs: 125, budgeted: false });
    expect(decideRetry(r, status(503), 2, zero).waitMs).toBe(2_000);
    expect(decideRetry(r, status(503), 5, zero).waitMs).toBe(45_000);
    expect(decideRetry(r, status(404), 0, zero).retry).toBe(false);
    expect(decideRetry(r, transport('read_timeout'), 0, zero)).toMatchObject({ retry: true, budgeted: true });
    expect(decideRetry(r, transport('connect_refused'), 1, zero).retry).toBe(true);
    expect(decideRetry(r, transport('connect_refused'), 2, zero).retry).toBe(false);
    expect(decideRetry(r, transport('connection_reset'), 0, zero).budgeted).toBe(false);
    expect(decideRetry(r, transport('connection_reset'), 1, zero).budgeted).toBe(true);
    expect(decideRetry(r, transport('connection_reset', true), 0, zero).retry).toBe(false); // the body is read after its retry loop
  });
});

describe('a preset’s retries are real behaviour', () => {
  let mock: MockProcess | undefined;
  afterEach(async () => {
    await mock?.close();
    mock = undefined;
  });

  it('the PerformanceClient with the openai-node preset retries a 503 twice, on its own', async () => {
    mock = await startMockProcess({ faults: { rules: [{ kind: 'status', status: 503, retryAfterS: 0 }] } });
    const client = new PerformanceClient({ baseUrl: mock.url, config: 'openai-node', env: {} });
    try {
      await expect(client.batchPost('/v1/embeddings', [{ input: 'a' }])).rejects.toMatchObject({ code: 'http_5xx' });
      expect((await mock.stats()).requests.byAttemptKind).toEqual({ primary: 1, retry: 2 });
    } finally {
      await client.close();
    }
  });

  it('the runner with the openai-python preset retries, with httpx underneath; with httpx it does not', async () => {
    mock = await startMockProcess();
    const scenario = resolveScenario({
      name: 'retries',
      target: { url: mock.url },
      workload: { kind: 'embed', inputsPerRequest: 1 },
      load: { model: 'closed', users: 2, requests: 6 },
      profiles: [{ name: 'openai-python', preset: 'openai-python' }, { name: 'httpx', preset: 'httpx' }],
    });
    await mock.setFaults({ rules: [{ kind: 'status', status: 503, retryAfterS: 0 }] });
    const report = await runScenario(scenario);
    const [openai, httpx] = report.profiles;
    expect(openai!.attempts).toMatchObject({ primary: 6, retry: 12 });
    expect(httpx!.attempts).toMatchObject({ primary: 6, retry: 0 });
    // The Baseten client's budgets are per call: a call of one request may retry twice (max(2, 1 + ceil(0.05))).
    const baseten = new PerformanceClient({ baseUrl: mock.url, config: { preset: 'baseten-performance-client', retry: { initialBackoffMs: 1 } }, env: {} });
    try {
      await mock.setFaults({ rules: [{ kind: 'status', status: 503 }] });
      await mock.reset();
      await expect(baseten.batchPost('/v1/embeddings', [{ input: 'a' }])).rejects.toMatchObject({ code: 'http_5xx' });
      // Statuses spend no budget: all 5 retries go out.
      expect((await mock.stats()).requests.byAttemptKind).toEqual({ primary: 1, retry: 5 });
    } finally {
      await baseten.close();
    }
  });
});
