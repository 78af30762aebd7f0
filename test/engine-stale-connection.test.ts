import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine, type AttemptRecord } from '../src/index.js';
import { expectFailure } from './helpers/expect-failure.js';
import { startCloseAfterResponseServer, startResetOnReuseServer, type Running } from './helpers/faulty-servers.js';

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
});
