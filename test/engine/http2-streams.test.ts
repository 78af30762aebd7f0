/**
 * HTTP/2 stream slots: a request waiting for one of the server's SETTINGS_MAX_CONCURRENT_STREAMS waits in
 * the pool (queue wait, under the pool timeout), never inside the HTTP/2 session where the wait would be
 * booked as time to first byte.
 */
import http2 from 'node:http2';
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine, type AttemptRecord } from '../../src/index.js';

let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers) await c();
  closers = [];
});

/** h2c, at most `streams` at once, each answered after `delayMs`; records its own concurrency. */
async function startLimitedH2(streams: number, delayMs: number) {
  let active = 0;
  let maxActive = 0;
  let served = 0;
  const server = http2.createServer({ settings: { maxConcurrentStreams: streams } });
  server.on('stream', (stream) => {
    active++;
    maxActive = Math.max(maxActive, active);
    const timer = setTimeout(() => {
      stream.respond({ ':status': 200 });
      stream.end('{}');
    }, delayMs);
    stream.on('close', () => {
      clearTimeout(timer);
      active--;
      served++;
    });
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  closers.push(() => new Promise((r) => {
    for (const s of sessions) s.destroy();
    server.close(() => r());
  }));
  return { url: `http://127.0.0.1:${port}`, maxActive: () => maxActive, served: () => served };
}

describe('HTTP/2 stream limits', () => {
  it('requests beyond the server’s stream limit wait in the pool: queue wait, not time to first byte', async () => {
    const server = await startLimitedH2(2, 300);
    const records: AttemptRecord[] = [];
    const engine = new Engine(server.url, { httpVersion: 2, pool: { connections: 1 } }, { env: {}, observer: { onAttemptEnd: (a) => records.push(a) } });
    closers.push(() => engine.close());
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => engine.attempt({ method: 'GET', path: `/${i}` })));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(server.maxActive()).toBe(2);
    for (const r of records) {
      // Each took the server's 300 ms once it had a stream; the rest of its wait was for a slot.
      expect(r.ttfbMs!).toBeGreaterThanOrEqual(295);
      expect(r.ttfbMs!).toBeLessThan(450);
    }
    const waits = records.map((r) => r.queueWaitMs).sort((a, b) => a - b);
    expect(waits[5]!).toBeGreaterThanOrEqual(590);
    expect(waits[3]!).toBeGreaterThanOrEqual(290);
  });

  it('the pool timeout covers the wait for a stream slot', async () => {
    const server = await startLimitedH2(2, 300);
    const engine = new Engine(server.url, { httpVersion: 2, pool: { connections: 1 }, timeouts: { pool: 450 } }, { env: {} });
    closers.push(() => engine.close());
    const outcomes = await Promise.all(Array.from({ length: 6 }, (_, i) => engine.attempt({ method: 'GET', path: `/${i}` }).then(() => 'ok', (e: { code: string }) => e.code)));
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(4);
    expect(outcomes.filter((o) => o === 'pool_timeout')).toHaveLength(2);
    expect(server.maxActive()).toBe(2);
  });

  it('a server that allows many streams gets them all on one connection', async () => {
    const server = await startLimitedH2(100, 100);
    const engine = new Engine(server.url, { httpVersion: 2, pool: { connections: 4 } }, { env: {} });
    closers.push(() => engine.close());
    await Promise.all(Array.from({ length: 20 }, (_, i) => engine.attempt({ method: 'GET', path: `/${i}` })));
    expect(server.maxActive()).toBe(20);
    expect(engine.connectionStats.opened).toBe(1);
  });
});
