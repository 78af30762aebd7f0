/**
 * What real clients (httpx, aiohttp, undici, openai-node) found wrong with the mock, each fixed and held
 * to what a real server does.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine, retryAfterMs } from '../../src/index.js';
import { json, mockAndEngine, sleep } from '../helpers/mock.js';

const EMBED = { method: 'POST' as const, path: '/v1/embeddings', body: json({ input: ['a'] }) };

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe('the mock, as real clients see it', () => {
  it('faults replaced during a listener-down window: the port still comes back when the window ends', async () => {
    const s = await mockAndEngine({ faults: { down: [{ atMs: 50, forMs: 300 }] } }, { pool: { mode: 'per-request' } });
    close = s.close;
    await sleep(120);
    await expect(s.engine.attempt(EMBED)).rejects.toMatchObject({ code: 'connect_refused' });
    s.mock.setFaults({ rules: [] });
    await sleep(350);
    expect((await s.engine.attempt(EMBED)).status).toBe(200);
  });

  it('backlog mode: connections queued while the server was full are served once it frees, not reset', async () => {
    const s = await mockAndEngine(
      { backlog: 1, faults: { capacity: { maxConnections: 1, onExceed: 'backlog' }, rules: [{ kind: 'latency', dist: 'fixed', ms: 600 }] } },
      { pool: { connections: 1, keepAliveMs: 0 } },
    );
    close = s.close;
    const holder = s.engine.attempt(EMBED);
    await sleep(200);
    // Two connects fit the accept queue (backlog 1 + 1); they wait there, and are served when it frees.
    const queued = [0, 1].map(() => new Engine(s.mock.url, { timeouts: { connect: 2_000, read: 5_000 } }, { env: {} }));
    try {
      const results = await Promise.all(queued.map((e) => e.attempt(EMBED).then((r) => r.status, (err: { code: string }) => err.code)));
      expect(await holder.then((r) => r.status)).toBe(200);
      expect(results).toEqual([200, 200]);
    } finally {
      await Promise.all(queued.map((e) => e.close()));
    }
    expect(s.mock.stats().requests.byStatus).toEqual({ '200': 3 });
  });

  it('admin API connections are not traffic: uncounted, no capacity slot, never idle-closed while in use', async () => {
    const s = await mockAndEngine({ faults: { idleTimeoutMs: 150, capacity: { maxConnections: 1 } } }, {});
    close = s.close;
    const admin = new Engine(s.mock.url, { pool: { connections: 1, keepAliveMs: 60_000 } }, { env: {} });
    try {
      for (let i = 0; i < 3; i++) {
        expect((await admin.attempt({ method: 'GET', path: '/__tailgate/stats' })).status).toBe(200);
        await sleep(100);
      }
      // A slow admin call (replacing faults) outlives the idle timeout and is not cut off.
      const slow = admin.attempt({ method: 'POST', path: '/__tailgate/faults', body: json({ idleTimeoutMs: 150, capacity: { maxConnections: 1 } }) });
      expect((await slow).status).toBe(200);
      // The one capacity slot is free for the traffic under test.
      expect((await s.engine.attempt(EMBED)).status).toBe(200);
      const stats = s.mock.stats();
      expect(stats.connections.accepted).toBe(1);
      expect(stats.connections.rejected).toBe(0);
      expect(admin.connectionStats.opened).toBe(1);
    } finally {
      await admin.close();
    }
  });

  it('Retry-After as an HTTP date is never earlier than the wait it stands for', async () => {
    const s = await mockAndEngine({ faults: { rules: [{ kind: 'rate_limit', rate: 1, burst: 1, retryAfter: 'date' }] } }, {});
    close = s.close;
    await s.engine.attempt(EMBED);
    for (let i = 0; i < 5; i++) {
      const err = await s.engine.attempt(EMBED).catch((e: { headers: Record<string, string> }) => e);
      const waitMs = retryAfterMs((err as { headers: Record<string, string> }).headers);
      // The token comes back within 1 s; the date says no sooner than that.
      expect(waitMs).not.toBeNull();
      expect(waitMs!).toBeGreaterThanOrEqual(900);
      await sleep(30);
    }
  });

  it('a slow body of N chunks over T takes T: the first chunk after T/N, the last at T', async () => {
    const s = await mockAndEngine({ faults: { rules: [{ kind: 'slow_body', chunks: 5, ms: 1_000 }] } }, {});
    close = s.close;
    const arrivals: number[] = [];
    const t0 = performance.now();
    const res = await s.engine.attempt({ ...EMBED, onData: () => arrivals.push(performance.now() - t0) });
    expect(res.status).toBe(200);
    expect(arrivals).toHaveLength(5);
    expect(arrivals[0]!).toBeGreaterThanOrEqual(195);
    expect(arrivals[4]!).toBeGreaterThanOrEqual(995);
    // A body shorter than N bytes still ends at T.
    const raw = net.connect(s.mock.port, '127.0.0.1');
    const t1 = performance.now();
    raw.write('GET /health HTTP/1.1\r\nhost: x\r\nx-tailgate-fault-body: slow\r\n\r\n');
    await new Promise<void>((resolve) => {
      let text = '';
      raw.on('data', (d) => {
        text += d.toString();
        if (text.includes('"ok"}')) resolve();
      });
    });
    expect(performance.now() - t1).toBeGreaterThanOrEqual(495);
    raw.destroy();
  });
});
