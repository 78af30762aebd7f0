import { afterEach, describe, expect, it } from 'vitest';
import { Engine, type TailgateError } from '../../src/index.js';
import { expectFailure, expectFiredAt } from '../helpers/expect-failure.js';
import { json, mockAndEngine, sleep } from '../helpers/mock.js';

const EMBED = { method: 'POST' as const, path: '/v1/embeddings', body: json({ input: ['a'] }) };

describe('mock capacity faults', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => close?.());

  it('a listener-down window gives connect_refused, and the server comes back on the same port', async () => {
    const s = await mockAndEngine({ faults: { down: [{ atMs: 50, forMs: 300 }] } }, { pool: { mode: 'per-request' } });
    close = s.close;
    await s.engine.attempt(EMBED);
    await sleep(120);
    const { error } = await expectFailure(s.engine.attempt(EMBED));
    expect(error.code).toBe('connect_refused');
    await sleep(350);
    expect((await s.engine.attempt(EMBED)).status).toBe(200);
    expect(s.mock.stats().faults.listener_down).toBe(1);
  });

  it('beyond maxConnections in backlog mode the server stops accepting: new clients see connect_timeout', async () => {
    const s = await mockAndEngine(
      { backlog: 1, faults: { capacity: { maxConnections: 2, onExceed: 'backlog' }, rules: [{ kind: 'latency', dist: 'fixed', ms: 1_200 }] } },
      { pool: { connections: 2 } },
    );
    close = s.close;
    // Two slow requests hold both connections.
    const holders = [s.engine.attempt(EMBED), s.engine.attempt(EMBED)];
    await sleep(300);
    const latecomers = Array.from({ length: 6 }, () => new Engine(s.mock.url, { timeouts: { connect: 400, read: 600 } }, { env: {} }));
    try {
      const results = await Promise.all(latecomers.map((e) => expectFailure(e.attempt(EMBED))));
      // The kernel's accept queue takes a couple of handshakes (they then wait unanswered); the rest time out connecting.
      const codes = results.map((r) => r.error.code);
      expect(codes.filter((c) => c === 'connect_timeout').length).toBeGreaterThanOrEqual(3);
      for (const r of results.filter((x) => x.error.code === 'connect_timeout')) expectFiredAt(r.elapsedMs, 400);
    } finally {
      await Promise.all(latecomers.map((e) => e.close()));
    }
    expect(s.mock.stats().faults.capacity_backlog).toBe(1);
    expect((await Promise.all(holders)).every((r) => r.status === 200)).toBe(true);
    // Under capacity again (the holders hang up): it accepts.
    await s.engine.close();
    await sleep(200);
    const fresh = new Engine(s.mock.url, {}, { env: {} });
    try {
      expect((await fresh.attempt(EMBED)).status).toBe(200);
    } finally {
      await fresh.close();
    }
  });

  it('beyond maxConnections in reset mode new connections are reset', async () => {
    const s = await mockAndEngine({ faults: { capacity: { maxConnections: 1 }, rules: [{ kind: 'latency', dist: 'fixed', ms: 300 }] } }, { pool: { connections: 3 } });
    close = s.close;
    const results = await Promise.allSettled([s.engine.attempt(EMBED), s.engine.attempt(EMBED), s.engine.attempt(EMBED)]);
    const codes = results.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as TailgateError).code));
    expect(codes.filter((c) => c === 'ok')).toHaveLength(1);
    expect(codes.filter((c) => c === 'connection_reset')).toHaveLength(2);
    expect(s.mock.stats().connections.rejected).toBe(2);
  });

  it('beyond maxInFlight it answers 503 with Retry-After', async () => {
    const s = await mockAndEngine({ faults: { capacity: { maxInFlight: 2 }, rules: [{ kind: 'latency', dist: 'fixed', ms: 200 }] } }, { pool: { connections: 5 } });
    close = s.close;
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => s.engine.attempt(EMBED)));
    const rejected = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as TailgateError);
    expect(rejected).toHaveLength(3);
    expect(rejected.every((e) => e.status === 503 && e.headers?.['retry-after'] === '1')).toBe(true);
    expect(s.mock.stats().requests.maxInFlight).toBeGreaterThanOrEqual(3);
  });
});
