import { afterEach, describe, expect, it } from 'vitest';
import { Engine, type AttemptRecord } from '../../src/index.js';
import { expectFailure, expectFiredAt } from '../helpers/expect-failure.js';
import {
  startChunkedServer,
  startNonReadingServer,
  startSilentServer,
  startStalledBodyServer,
  type Running,
} from '../helpers/faulty-servers.js';

describe('each timeout, separately', () => {
  let engine: Engine | undefined;
  let server: Running | undefined;
  const records: AttemptRecord[] = [];
  const observer = { onAttemptEnd: (a: AttemptRecord) => records.push(a) };
  afterEach(async () => {
    await engine?.close();
    await server?.close();
    engine = undefined;
    server = undefined;
    records.length = 0;
  });

  it('read: a server that never answers fails with read_timeout at the configured time, after connect and write', async () => {
    server = await startSilentServer();
    engine = new Engine(server.url, { timeouts: { read: 300 } }, { observer });
    const { error, elapsedMs } = await expectFailure(engine.attempt({ method: 'POST', path: '/v1/embeddings', body: '{}' }));
    expect(error.code).toBe('read_timeout');
    expectFiredAt(elapsedMs, 300);
    const r = records[0]!;
    expect(r.connectMs).not.toBeNull();
    expect(r.ttfbMs).toBeNull();
    expect(r.socket?.id).toBe(1);
    // undici destroys the socket to abort the request: the client closed it.
    await new Promise((res) => setTimeout(res, 20));
    expect(r.socket?.closedBy).toBe('client');
  });

  it('read between chunks: headers then a stalled body fails with read_timeout, not earlier', async () => {
    server = await startStalledBodyServer('first');
    engine = new Engine(server.url, { timeouts: { read: 250 } }, { observer });
    const { error, elapsedMs } = await expectFailure(engine.attempt({ method: 'GET', path: '/' }));
    expect(error.code).toBe('read_timeout');
    expectFiredAt(elapsedMs, 250);
    expect(records[0]!.ttfbMs).not.toBeNull();
    expect(records[0]!.bytesReceived).toBe(5);
  });

  it('read is per gap, not per body: slow chunks each within the timeout succeed', async () => {
    server = await startChunkedServer(5, 100);
    engine = new Engine(server.url, { timeouts: { read: 300 } });
    const res = await engine.attempt({ method: 'GET', path: '/' });
    expect(res.text().split('\n').filter(Boolean)).toHaveLength(5);
  });

  it('write: a server that never reads a large body fails with write_timeout', async () => {
    server = await startNonReadingServer();
    engine = new Engine(server.url, { timeouts: { write: 300, read: 10_000 } }, { observer });
    const body = Buffer.alloc(64 * 1024 * 1024, 97);
    const { error, elapsedMs } = await expectFailure(engine.attempt({ method: 'POST', path: '/upload', body }));
    expect(error.code).toBe('write_timeout');
    expectFiredAt(elapsedMs, 300, 1500);
  });

  it('attempt: bounds the whole attempt even when read is off', async () => {
    server = await startSilentServer();
    engine = new Engine(server.url, { timeouts: { read: null, attempt: 350 } }, { observer });
    const { error, elapsedMs } = await expectFailure(engine.attempt({ method: 'GET', path: '/' }));
    expect(error.code).toBe('attempt_timeout');
    expectFiredAt(elapsedMs, 350);
    expect(records[0]!.totalMs).toBeGreaterThanOrEqual(348);
  });

  it('total: the caller’s remaining budget wins when shorter than the attempt timeout', async () => {
    server = await startSilentServer();
    engine = new Engine(server.url, { timeouts: { read: null, attempt: 5_000 } });
    const { error, elapsedMs } = await expectFailure(engine.attempt({ method: 'GET', path: '/', totalRemainingMs: 200 }));
    expect(error.code).toBe('total_timeout');
    expectFiredAt(elapsedMs, 200);
  });

  it('a timeout that is off never fires: a slow answer within the others succeeds', async () => {
    server = await startChunkedServer(2, 400);
    engine = new Engine(server.url, { timeouts: { read: null, attempt: null, connect: null } });
    const res = await engine.attempt({ method: 'GET', path: '/' });
    expect(res.status).toBe(200);
  });
});
