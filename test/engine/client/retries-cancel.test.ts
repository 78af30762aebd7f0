import { afterEach, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer } from '../../../mock-server/index.js';
import { CancellationToken, PerformanceClient, type SocketInfo } from '../../../src/index.js';
import { sleep } from '../../helpers/mock.js';
import { startFailThenSucceedServer, startSlowPrimaryServer } from '../../helpers/scripted-servers.js';

describe('retries, hedge losers and cancellation', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });

  it('the wait before a retry is at least Retry-After (seconds, and as an HTTP date)', async () => {
    // A date two seconds ahead, truncated to whole seconds by the format, is still at least one second away.
    for (const retryAfter of ['1', () => new Date(Date.now() + 2_000).toUTCString()]) {
      const server = await startFailThenSucceedServer(1, 503, retryAfter);
      const client = new PerformanceClient({ baseUrl: server.url, env: {} });
      closers.push(server.close, () => client.close());
      const res = await client.batchPost('/v1/x', [{ a: 1 }], { preference: { maxRetries: 1, initialBackoffMs: 1, maxBackoffMs: 2 } });
      expect(res.statuses).toEqual([200]);
      const [first, second] = server.arrivals;
      expect(second!.requestId).toMatch(/-retry1$/);
      expect(second!.at - first!.at).toBeGreaterThanOrEqual(995);
      expect(client.stats().retry).toBe(1);
    }
  });

  it('a Retry-After beyond the total deadline fails at once and charges no retry', async () => {
    const server = await startFailThenSucceedServer(1, 429, '5');
    const client = new PerformanceClient({ baseUrl: server.url, env: {} });
    closers.push(server.close, () => client.close());
    const t0 = performance.now();
    await expect(client.batchPost('/v1/x', [{ a: 1 }], { preference: { totalTimeoutS: 1, maxRetries: 3 } })).rejects.toMatchObject({ code: 'http_429' });
    expect(performance.now() - t0).toBeLessThan(900);
    expect(server.arrivals).toHaveLength(1);
    expect(client.stats()).toMatchObject({ retry: 0, retryDenied: 0 });
  });

  it('never retries 400, 401, 403, 404 or 422', async () => {
    for (const status of [400, 401, 403, 404, 422]) {
      const server = await startFailThenSucceedServer(1, status);
      const client = new PerformanceClient({ baseUrl: server.url, env: {} });
      closers.push(server.close, () => client.close());
      await expect(client.batchPost('/v1/x', [{}])).rejects.toMatchObject({ status });
      expect(server.arrivals).toHaveLength(1);
    }
  });

  it('the first success wins and the losing attempt is aborted on the wire: its connection closes', async () => {
    const server = await startSlowPrimaryServer(3_000);
    const closed: SocketInfo[] = [];
    const client = new PerformanceClient({ baseUrl: server.url, env: {}, observer: { onSocketClose: (s) => closed.push(s) } });
    closers.push(server.close, () => client.close());
    const t0 = performance.now();
    const res = await client.batchPost('/v1/x', [{}], { preference: { hedgeDelayS: 0.05 } });
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect((res.data[0] as { servedBy: string }).servedBy).toMatch(/-hedge$/);
    expect(client.stats()).toMatchObject({ primary: 1, hedge: 1, hedgeWon: 1 });
    await sleep(100);
    expect(closed.filter((s) => s.closeReason === 'aborted')).toHaveLength(1);
    expect(server.closedAt.length).toBeGreaterThanOrEqual(1); // the server saw the loser's connection close
  });

  it('after cancel the server sees no new attempt, and the in-flight ones are closed at once', async () => {
    const mock: MockServer = await startMockServer({ faults: { rules: [{ kind: 'latency', dist: 'fixed', ms: 5_000 }] } });
    const ends: number[] = [];
    const client = new PerformanceClient({ baseUrl: mock.url, env: {}, observer: { onAttemptEnd: () => ends.push(performance.now()) } });
    closers.push(() => mock.close(), () => client.close());
    const token = new CancellationToken();
    const call = client.batchPost('/v1/embeddings', Array.from({ length: 50 }, () => ({ input: 'a' })), { preference: { maxConcurrentRequests: 10, cancelToken: token } });
    await sleep(200);
    expect(mock.stats().requests.inFlight).toBe(10);
    const cancelledAt = performance.now();
    token.cancel();
    await expect(call).rejects.toMatchObject({ code: 'cancelled' });
    expect(ends).toHaveLength(10);
    expect(Math.max(...ends) - cancelledAt).toBeLessThan(50);
    await sleep(300);
    const stats = mock.stats();
    expect(stats.requests.total).toBe(10);
    expect(stats.connections.open).toBe(0);
    expect(stats.connections.closedByClient).toBe(10);
  });

  it('a total timeout aborts everything in flight with total_timeout', async () => {
    const mock = await startMockServer({ faults: { rules: [{ kind: 'latency', dist: 'fixed', ms: 5_000 }] } });
    const client = new PerformanceClient({ baseUrl: mock.url, env: {} });
    closers.push(() => mock.close(), () => client.close());
    const t0 = performance.now();
    await expect(client.embed(['a', 'b'], { preference: { batchSize: 1, totalTimeoutS: 0.3 } })).rejects.toMatchObject({ code: 'total_timeout' });
    expect(performance.now() - t0).toBeLessThan(1_000);
    await sleep(200);
    expect(mock.stats().connections.open).toBe(0);
  });
});
