import { afterEach, describe, expect, it } from 'vitest';
import { Engine, type AttemptRecord } from '../../src/index.js';
import { startConnectProxy, startH2cServer, startStatusServer, type Running } from '../helpers/faulty-servers.js';

describe('HTTP/2 and proxies', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  it('httpVersion 2 speaks h2c with prior knowledge and multiplexes concurrent requests on one connection', async () => {
    const server = await startH2cServer();
    closers.push(server.close);
    const records: AttemptRecord[] = [];
    const engine = new Engine(server.url, { httpVersion: 2 }, { observer: { onAttemptEnd: (a) => records.push(a) } });
    closers.push(() => engine.close());
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => engine.attempt({ method: 'GET', path: `/s/${i}` })));
    expect(results.map((r) => r.json<{ httpVersion: string }>().httpVersion)).toEqual(Array(20).fill('2.0'));
    expect(server.sessions()).toBe(1);
    expect(records.every((r) => r.socket?.protocol === 'h2')).toBe(true);
  });

  it('a proxy URL tunnels every connection through HTTP CONNECT', async () => {
    const server = await startStatusServer(200);
    const proxy = await startConnectProxy();
    closers.push(server.close, proxy.close);
    const engine = new Engine(server.url, { proxy: proxy.url });
    closers.push(() => engine.close());
    const res = await engine.attempt({ method: 'GET', path: '/through' });
    expect(res.json()).toEqual({ status: 200, path: '/through' });
    expect(proxy.tunnels()).toEqual([`127.0.0.1:${server.port}`]);
  });
});

describe('cancellation', () => {
  let engine: Engine | undefined;
  let server: Running | undefined;
  afterEach(async () => {
    await engine?.close();
    await server?.close();
  });

  it('aborting the signal cancels an attempt in flight at once and closes its connection', async () => {
    const s = await startStatusServer(200, 5_000);
    server = s;
    const records: AttemptRecord[] = [];
    engine = new Engine(s.url, {}, { observer: { onAttemptEnd: (a) => records.push(a) } });
    const controller = new AbortController();
    const pending = engine.attempt({ method: 'GET', path: '/', signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user pressed stop')), 100);
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
    expect(records[0]!.totalMs).toBeLessThan(1_000);
    await new Promise((r) => setTimeout(r, 30));
    expect(records[0]!.socket!.closedBy).toBe('client');
    expect(records[0]!.socket!.closeReason).toBe('aborted');
  });

  it('an already-aborted signal sends nothing', async () => {
    const s = await startStatusServer(200);
    server = s;
    engine = new Engine(s.url);
    await expect(engine.attempt({ method: 'GET', path: '/', signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'cancelled' });
    await new Promise((r) => setTimeout(r, 30));
    expect(s.connections()).toBe(0);
  });

  it('cancelling a request waiting for a connection removes it from the queue', async () => {
    const s = await startStatusServer(200, 200);
    server = s;
    engine = new Engine(s.url, { pool: { connections: 1 } });
    const controller = new AbortController();
    const first = engine.attempt({ method: 'GET', path: '/1' });
    const second = engine.attempt({ method: 'GET', path: '/2', signal: controller.signal });
    controller.abort();
    await expect(second).rejects.toMatchObject({ code: 'cancelled' });
    await first;
    const third = await engine.attempt({ method: 'GET', path: '/3' });
    expect(third.status).toBe(200);
    expect(s.requests()).toBe(2);
  });
});
