import { afterEach, describe, expect, it } from 'vitest';
import { type AttemptRecord, type SocketInfo } from '../../src/index.js';
import { expectFailure, expectFiredAt } from '../helpers/expect-failure.js';
import { json, mockAndEngine, sleep } from '../helpers/mock.js';

const EMBED = { method: 'POST' as const, path: '/v1/embeddings', body: json({ input: ['a'] }) };

describe('mock connection faults, as a client sees them', () => {
  let close: (() => Promise<void>) | undefined;
  const records: AttemptRecord[] = [];
  const closed: SocketInfo[] = [];
  const observer = { observer: { onAttemptEnd: (a: AttemptRecord) => records.push(a), onSocketClose: (s: SocketInfo) => closed.push(s) } };
  afterEach(async () => {
    await close?.();
    records.length = 0;
    closed.length = 0;
  });

  it('dead keep-alive: reset_on_reuse after idle >= T makes the engine report stale_connection, and the mock counts it', async () => {
    const s = await mockAndEngine({ faults: { rules: [{ kind: 'reset_on_reuse', idleMs: 100 }] } }, { pool: { keepAliveMs: 60_000 } }, observer);
    close = s.close;
    await s.engine.attempt(EMBED);
    await s.engine.attempt(EMBED); // reused right away: idle < 100 ms, served
    await sleep(150);
    const { error } = await expectFailure(s.engine.attempt(EMBED));
    expect(error.code).toBe('stale_connection');
    expect(records[2]!.reusedSocket).toBe(true);
    const stats = s.mock.stats();
    expect(stats.faults.reset_on_reuse).toBe(1);
    expect(stats.requests.total).toBe(3);
    expect(stats.requests.byStatus['200']).toBe(2);
    await sleep(20);
    expect(stats.connections.accepted).toBe(1);
    expect(s.mock.stats().connections.closedByServer).toBe(1);
  });

  it('a client whose keep-alive expiry is below the fault idle never meets a stale socket', async () => {
    const s = await mockAndEngine({ faults: { rules: [{ kind: 'reset_on_reuse', idleMs: 150 }] } }, { pool: { keepAliveMs: 100 } });
    close = s.close;
    for (let i = 0; i < 3; i++) {
      await s.engine.attempt(EMBED);
      await sleep(180);
    }
    expect(s.mock.stats().faults.reset_on_reuse ?? 0).toBe(0);
    expect(s.mock.stats().connections.accepted).toBe(3);
  });

  it('idle keep-alive sockets are closed by the server (FIN) after idleTimeoutMs', async () => {
    // The true hint (timeout=0) would make undici drop the socket itself; ignore it to see the server's FIN.
    const s = await mockAndEngine({ faults: { idleTimeoutMs: 150 } }, { pool: { keepAliveMs: 60_000, honorKeepAliveHint: false } }, observer);
    close = s.close;
    await s.engine.attempt(EMBED);
    await sleep(400);
    expect(closed).toHaveLength(1);
    expect(closed[0]).toMatchObject({ closedBy: 'server', closeReason: 'server-fin' });
    expect(s.mock.stats().connections.closedByServer).toBe(1);
    await s.engine.attempt(EMBED);
    expect(s.mock.stats().connections.accepted).toBe(2);
  });

  it('blackhole_on_reuse reads the request and never answers: the engine times out reading', async () => {
    const s = await mockAndEngine({ faults: { rules: [{ kind: 'blackhole_on_reuse', idleMs: 0 }] } }, { timeouts: { read: 200 } });
    close = s.close;
    await s.engine.attempt(EMBED);
    const { error, elapsedMs } = await expectFailure(s.engine.attempt(EMBED));
    expect(error.code).toBe('read_timeout');
    expectFiredAt(elapsedMs, 200);
    expect(s.mock.stats().faults.blackhole).toBe(1);
  });

  it('closes a connection after N requests with Connection: close', async () => {
    const s = await mockAndEngine({ faults: { maxRequestsPerConnection: 3 } }, {}, observer);
    close = s.close;
    for (let i = 0; i < 7; i++) await s.engine.attempt(EMBED);
    expect(s.mock.stats().connections.accepted).toBe(3);
    expect(new Set(records.map((r) => r.socket!.id)).size).toBe(3);
  });

  it('sends the true Keep-Alive hint, none, or a wrong one, as configured', async () => {
    const s = await mockAndEngine({ faults: { idleTimeoutMs: 7_000 } });
    close = s.close;
    expect((await s.engine.attempt(EMBED)).headers['keep-alive']).toBe('timeout=7');
    s.mock.setFaults({ idleTimeoutMs: 7_000, keepAliveHint: false });
    expect((await s.engine.attempt(EMBED)).headers['keep-alive']).toBeUndefined();
    s.mock.setFaults({ idleTimeoutMs: 7_000, keepAliveHint: 30 });
    expect((await s.engine.attempt(EMBED)).headers['keep-alive']).toBe('timeout=30');
  });

  it('a client honouring the hint expires sooner than its own keepAliveMs; one ignoring it does not', async () => {
    const honouring = await mockAndEngine({ faults: { idleTimeoutMs: 60_000, keepAliveHint: 3 } }, { pool: { keepAliveMs: 60_000, honorKeepAliveHint: true } });
    const ignoring = await mockAndEngine({ faults: { idleTimeoutMs: 60_000, keepAliveHint: 3 } }, { pool: { keepAliveMs: 60_000, honorKeepAliveHint: false } });
    close = async () => {
      await honouring.close();
      await ignoring.close();
    };
    for (const s of [honouring, ignoring]) {
      await s.engine.attempt(EMBED);
      await sleep(1_600);
      await s.engine.attempt(EMBED);
    }
    // hint 3 s - threshold 2 s = 1 s: the honouring client dropped the socket before reuse.
    expect(honouring.mock.stats().connections.accepted).toBe(2);
    expect(ignoring.mock.stats().connections.accepted).toBe(1);
  });
});
