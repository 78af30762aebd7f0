import { afterEach, describe, expect, it } from 'vitest';
import { Engine, type AttemptRecord, type SocketInfo } from '../../src/index.js';
import { startStatusServer, type Running } from '../helpers/faulty-servers.js';

type Server = Running & { connections: () => number; requests: () => number };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('connection reuse and the socket story', () => {
  let engine: Engine | undefined;
  let server: Server | undefined;
  const records: AttemptRecord[] = [];
  const closed: SocketInfo[] = [];
  const observer = { onAttemptEnd: (a: AttemptRecord) => records.push(a), onSocketClose: (s: SocketInfo) => closed.push(s) };
  afterEach(async () => {
    await engine?.close();
    await server?.close();
    records.length = 0;
    closed.length = 0;
  });

  it('a shared pool reuses one keep-alive socket and counts requests served on it', async () => {
    server = await startStatusServer(200);
    engine = new Engine(server.url, {}, { observer });
    for (let i = 0; i < 5; i++) await engine.attempt({ method: 'GET', path: `/${i}` });
    expect(server.connections()).toBe(1);
    expect(records.map((r) => r.requestsBeforeOnSocket)).toEqual([0, 1, 2, 3, 4]);
    expect(records.map((r) => r.reusedSocket)).toEqual([false, true, true, true, true]);
    expect(records[0]!.connectMs).toBeGreaterThan(0);
    expect(records.slice(1).every((r) => r.connectMs === null && r.idleBeforeMs !== null)).toBe(true);
    expect(records[4]!.socket!.requestsServed).toBe(5);
  });

  it('per-request mode opens and closes a new connection for every request (the anti-pattern)', async () => {
    server = await startStatusServer(200);
    engine = new Engine(server.url, { pool: { mode: 'per-request' } }, { observer });
    await Promise.all([0, 1, 2, 3, 4, 5].map((i) => engine!.attempt({ method: 'GET', path: `/${i}` })));
    await sleep(30);
    expect(server.connections()).toBe(6);
    expect(new Set(records.map((r) => r.socket!.id)).size).toBe(6);
    expect(records.every((r) => !r.reusedSocket)).toBe(true);
    expect(closed).toHaveLength(6);
    expect(closed.every((s) => s.closedBy === 'client' && s.closeReason === 'per-request')).toBe(true);
    expect(engine.connectionStats).toEqual({ opened: 6, closedByServer: 0, closedByClient: 6 });
  });

  it('an idle socket older than keepAliveMs is closed by the client at checkout and never reused', async () => {
    server = await startStatusServer(200);
    engine = new Engine(server.url, { pool: { keepAliveMs: 100 } }, { observer });
    await engine.attempt({ method: 'GET', path: '/a' });
    await engine.attempt({ method: 'GET', path: '/b' });
    await sleep(180);
    await engine.attempt({ method: 'GET', path: '/c' });
    expect(records[1]!.socket!.id).toBe(records[0]!.socket!.id);
    expect(records[2]!.socket!.id).not.toBe(records[0]!.socket!.id);
    expect(server.connections()).toBe(2);
    await sleep(20);
    expect(closed[0]).toMatchObject({ closedBy: 'client', closeReason: 'keepalive-expired' });
  });

  it('keeps at most maxIdle idle connections (httpx max_keepalive_connections)', async () => {
    server = await startStatusServer(200, 50);
    engine = new Engine(server.url, { pool: { connections: 6, maxIdle: 2 } }, { observer });
    await Promise.all([0, 1, 2, 3, 4, 5].map((i) => engine!.attempt({ method: 'GET', path: `/${i}` })));
    await sleep(30);
    expect(server.connections()).toBe(6);
    expect(engine.openConnections).toBe(2);
    expect(closed.filter((s) => s.closeReason === 'max-idle')).toHaveLength(4);
  });

  it('closes a connection after maxRequestsPerConnection requests', async () => {
    server = await startStatusServer(200);
    engine = new Engine(server.url, { pool: { maxRequestsPerConnection: 2 } }, { observer });
    for (let i = 0; i < 6; i++) await engine.attempt({ method: 'GET', path: `/${i}` });
    expect(server.connections()).toBe(3);
    expect(new Set(records.map((r) => r.socket!.id)).size).toBe(3);
  });

  it('never opens more than pool.connections connections under concurrency', async () => {
    server = await startStatusServer(200, 20);
    engine = new Engine(server.url, { pool: { connections: 3 } }, { observer });
    await Promise.all(Array.from({ length: 30 }, (_, i) => engine!.attempt({ method: 'GET', path: `/${i}` })));
    expect(server.connections()).toBe(3);
    expect(server.requests()).toBe(30);
    expect(records.filter((r) => r.queueWaitMs > 10).length).toBeGreaterThan(20);
  });

  it('with no observer attached it records nothing and still works', async () => {
    server = await startStatusServer(200);
    engine = new Engine(server.url);
    const res = await engine.attempt({ method: 'GET', path: '/' });
    expect(res.status).toBe(200);
    // Timestamps are only taken for an observer.
    expect(res.startedAt).toBe(0);
    expect(res.ttfbMs).toBeNull();
  });
});
