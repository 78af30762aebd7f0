import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startMockProcess } from '../../mock-server/index.js';
import { Engine, PerformanceClient, type AttemptRecord } from '../../src/index.js';
import { expectFailure } from '../helpers/expect-failure.js';
import { startCloseAfterResponseServer, startResetOnReuseServer, type Running } from '../helpers/faulty-servers.js';

describe('stale keep-alive connections', () => {
  let engine: Engine | undefined;
  let server: Running | undefined;
  const records: AttemptRecord[] = [];
  const observer = { onAttemptEnd: (a: AttemptRecord) => records.push(a) };
  afterEach(async () => {
    await engine?.close();
    await server?.close();
    records.length = 0;
  });

  it('a reset on a reused socket before any response byte is stale_connection, with the socket story', async () => {
    const s = await startResetOnReuseServer();
    server = s;
    engine = new Engine(s.url, { pool: { keepAliveMs: 60_000 } }, { observer });
    const first = await engine.attempt({ method: 'GET', path: '/first' });
    expect(first.status).toBe(200);
    await new Promise((r) => setTimeout(r, 30));
    const { error } = await expectFailure(engine.attempt({ method: 'GET', path: '/second' }));
    expect(error.code).toBe('stale_connection');
    expect(s.resets()).toBe(1);

    const [a, b] = records;
    expect(a!.reusedSocket).toBe(false);
    expect(b!.reusedSocket).toBe(true);
    expect(b!.socket!.id).toBe(a!.socket!.id);
    expect(b!.requestsBeforeOnSocket).toBe(1);
    expect(b!.idleBeforeMs).toBeGreaterThanOrEqual(25);
    expect(b!.connectMs).toBeNull();
    expect(b!.ttfbMs).toBeNull();
    await new Promise((r) => setTimeout(r, 20));
    expect(b!.socket!.closedBy).toBe('server');
    expect(b!.socket!.closeReason).toBe('server-reset');
    expect(engine.connectionStats.closedByServer).toBe(1);
  });

  it('the same reset on a brand-new socket is connection_reset, not stale_connection', async () => {
    const srv = net.createServer((socket) => {
      socket.once('data', () => socket.resetAndDestroy());
      socket.on('error', () => {});
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as net.AddressInfo).port;
    server = { url: `http://127.0.0.1:${port}`, port, close: () => new Promise((r) => srv.close(() => r())) };
    engine = new Engine(server.url, {}, { observer });
    const { error } = await expectFailure(engine.attempt({ method: 'GET', path: '/' }));
    expect(error.code).toBe('connection_reset');
    expect(records[0]!.reusedSocket).toBe(false);
  });

  it('a server FIN on an idle socket is seen: the next request opens a new connection and succeeds', async () => {
    server = await startCloseAfterResponseServer();
    engine = new Engine(server.url, { pool: { keepAliveMs: 60_000 } }, { observer });
    await engine.attempt({ method: 'GET', path: '/1' });
    await new Promise((r) => setTimeout(r, 50));
    await engine.attempt({ method: 'GET', path: '/2' });
    expect(records[0]!.socket!.closedBy).toBe('server');
    expect(records[0]!.socket!.closeReason).toBe('server-fin');
    expect(records[1]!.socket!.id).not.toBe(records[0]!.socket!.id);
    expect(records[1]!.reusedSocket).toBe(false);
    expect(engine.connectionStats.opened).toBe(2);
  });

  it('a reset 300 ms after the server read a POST on a reused socket is connection_reset, and is not retried', async () => {
    // Serves the first request; reads the second in full, and resets the connection 300 ms later.
    const readAt: number[] = [];
    const srv = net.createServer((socket) => {
      let buffered = '';
      let served = 0;
      socket.on('data', (chunk) => {
        buffered += chunk.toString('latin1');
        const end = buffered.indexOf('\r\n\r\n');
        if (end === -1) return;
        const length = Number(/content-length: *(\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        buffered = buffered.slice(end + 4 + length);
        readAt.push(performance.now());
        if (served++ === 0) socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\n{}');
        else setTimeout(() => socket.resetAndDestroy(), 300);
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as net.AddressInfo).port;
    server = { url: `http://127.0.0.1:${port}`, port, close: () => new Promise((r) => srv.close(() => r())) };
    const client = new PerformanceClient({ baseUrl: server.url, config: { pool: { keepAliveMs: 60_000 } }, env: {}, observer });
    try {
      await client.batchPost('/charge', [{ n: 1 }]);
      const result = await client.batchPost('/charge', [{ n: 2 }], { preference: { maxRetries: 3, initialBackoffMs: 1, partialFailure: 'return' } });
      expect(result.errors.map((e) => e.error.code)).toEqual(['connection_reset']);
      // Not retried: the server had read it, and may have acted on it.
      expect(readAt).toHaveLength(2);
      expect(records.at(-1)!.reusedSocket).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('when the server dies mid-request, the requests it had read are connection_reset, not stale', async () => {
    const mock = await startMockProcess({ faults: { rules: [{ kind: 'latency', dist: 'fixed', ms: 2_000 }] } });
    engine = new Engine(mock.url, { pool: { connections: 10, keepAliveMs: 60_000 } }, { observer, env: {} });
    try {
      await mock.setFaults({});
      // Ten connections, each reused by the POST that the server will be reading when it dies.
      await Promise.all(Array.from({ length: 10 }, () => engine!.attempt({ method: 'POST', path: '/v1/embeddings', body: '{"input":"warm"}' })));
      await mock.setFaults({ rules: [{ kind: 'latency', dist: 'fixed', ms: 2_000 }] });
      const inFlight = Array.from({ length: 10 }, () => engine!.attempt({ method: 'POST', path: '/v1/embeddings', body: '{"input":"x"}' }).catch((e: { code: string }) => e.code));
      await new Promise((r) => setTimeout(r, 300));
      expect((await mock.stats()).requests.inFlight).toBe(10); // all ten read by the server
      process.kill(mock.pid, 'SIGKILL');
      const codes = await Promise.all(inFlight);
      expect(codes).toEqual(Array(10).fill('connection_reset'));
      expect(records.slice(-10).every((r) => r.reusedSocket)).toBe(true);
    } finally {
      await mock.close();
    }
  });
});
