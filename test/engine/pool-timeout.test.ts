import { afterEach, describe, expect, it } from 'vitest';
import { Engine, type AttemptRecord } from '../../src/index.js';
import { expectFailure, expectFiredAt } from '../helpers/expect-failure.js';
import { startStatusServer, type Running } from '../helpers/faulty-servers.js';

describe('pool timeout', () => {
  let engine: Engine | undefined;
  let server: (Running & { connections: () => number; requests: () => number }) | undefined;
  afterEach(async () => {
    await engine?.close();
    await server?.close();
  });

  it('a request waiting longer than timeouts.pool for a connection fails with pool_timeout (undici would queue forever)', async () => {
    server = await startStatusServer(200, 600);
    const records: AttemptRecord[] = [];
    engine = new Engine(server.url, { pool: { connections: 2 }, timeouts: { pool: 200 } }, { observer: { onAttemptEnd: (a) => records.push(a) } });
    const attempts = [0, 1, 2, 3].map((i) => engine!.attempt({ method: 'GET', path: `/${i}` }));
    const [ok0, ok1, late2, late3] = await Promise.allSettled(attempts);
    expect(ok0!.status).toBe('fulfilled');
    expect(ok1!.status).toBe('fulfilled');
    for (const late of [late2, late3]) {
      expect(late!.status).toBe('rejected');
      expect((late as PromiseRejectedResult).reason.code).toBe('pool_timeout');
    }
    const timedOut = records.filter((r) => r.error?.code === 'pool_timeout');
    expect(timedOut).toHaveLength(2);
    for (const r of timedOut) {
      expectFiredAt(r.queueWaitMs, 200);
      expect(r.socket).toBeNull();
    }
    // The server only ever saw the two that got a connection.
    expect(server.requests()).toBe(2);
    expect(server.connections()).toBe(2);
  });

  it('a waiter gets the first connection freed, and its queue wait is measured', async () => {
    server = await startStatusServer(200, 150);
    const records: AttemptRecord[] = [];
    engine = new Engine(server.url, { pool: { connections: 1 }, timeouts: { pool: 5_000 } }, { observer: { onAttemptEnd: (a) => records.push(a) } });
    await Promise.all([engine.attempt({ method: 'GET', path: '/a' }), engine.attempt({ method: 'GET', path: '/b' })]);
    const second = records.find((r) => r.path === '/b')!;
    expect(second.queueWaitMs).toBeGreaterThanOrEqual(140);
    expect(second.reusedSocket).toBe(true);
    expect(server.connections()).toBe(1);
  });

  it('pool timeout is exact to the configured value, independent of the read timeout', async () => {
    server = await startStatusServer(200, 1_000);
    engine = new Engine(server.url, { pool: { connections: 1 }, timeouts: { pool: 120, read: 5_000 } });
    const first = engine.attempt({ method: 'GET', path: '/' });
    const { error, elapsedMs } = await expectFailure(engine.attempt({ method: 'GET', path: '/' }));
    expect(error.code).toBe('pool_timeout');
    expectFiredAt(elapsedMs, 120);
    await first;
  });
});
