/**
 * The client-side port budget (pool.localPorts, pool.portHoldMs) over real sockets: connections bind the
 * budget's ports (the server sees them), port_exhausted comes at the budget and not before, is counted per
 * attempt, and goes away when the hold ends or with a shared client; the kernel's own EADDRINUSE is
 * port_exhausted too. Ports are below Linux's ephemeral range, so nothing here depends on the machine's.
 */
import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer } from '../../mock-server/index.js';
import { Engine, resolveConfig, TailgateError, type AttemptRecord } from '../../src/index.js';
import { json, sleep } from '../helpers/mock.js';

const EMBED = { method: 'POST' as const, path: '/v1/embeddings', body: json({ input: ['a'] }) };
let mock: MockServer | undefined;
let engine: Engine | undefined;
afterEach(async () => {
  await engine?.close();
  await mock?.close();
  engine = undefined;
  mock = undefined;
});

describe('pool.localPorts', () => {
  it('is validated: a count, a range, or null; ports within 1024..65535', () => {
    expect(resolveConfig({ pool: { localPorts: 1000 } }, { env: {} }).pool.localPorts).toEqual({ from: 20_000, to: 20_999 });
    expect(resolveConfig({ pool: { localPorts: '21000-21009' } }, { env: {} }).pool.localPorts).toEqual({ from: 21_000, to: 21_009 });
    expect(resolveConfig({}, { env: {} }).pool).toMatchObject({ localPorts: null, portHoldMs: 60_000 });
    expect(() => resolveConfig({ pool: { localPorts: '9-8' } }, { env: {} })).toThrow(/pool.localPorts must be ports within 1024..65535/);
    expect(() => resolveConfig({ pool: { localPorts: 'many' } }, { env: {} })).toThrow('pool.localPorts is not valid (a range such as "20000-20999"), got "many"');
  });

  it('a new connection per request binds the budget ports; the next fails at once at the budget, then succeeds once the hold ends', async () => {
    mock = await startMockServer();
    const records: AttemptRecord[] = [];
    engine = new Engine(mock.url, { pool: { mode: 'per-request', localPorts: '21100-21104', portHoldMs: 800 } }, { env: {}, observer: { onAttemptEnd: (a) => records.push(a) } });
    for (let i = 0; i < 5; i++) expect((await engine.attempt(EMBED)).status).toBe(200);
    const seen = Object.keys(mock.stats().connections.byRemotePort).map(Number).sort();
    expect(seen).toEqual([21100, 21101, 21102, 21103, 21104]);
    const started = performance.now();
    const err = (await engine.attempt(EMBED).catch((e: unknown) => e)) as TailgateError;
    expect(performance.now() - started).toBeLessThan(100);
    expect(err).toBeInstanceOf(TailgateError);
    expect(err.code).toBe('port_exhausted');
    // The last connection may still be closing: in use or held, all five ports are taken.
    expect(err.ports!.budget).toBe(5);
    expect(err.ports!.inUse + err.ports!.held).toBe(5);
    expect(err.message).toContain('pool.localPorts 21100-21104');
    // Counted per attempt, never sent.
    expect(records.at(-1)).toMatchObject({ sent: false, error: { code: 'port_exhausted' } });
    expect(mock.stats().connections.accepted).toBe(5);
    await sleep(900);
    expect((await engine.attempt(EMBED)).status).toBe(200);
    expect(mock.stats().connections.accepted).toBe(6);
  });

  it('a shared client stays within a few ports of the same budget', async () => {
    mock = await startMockServer({ faults: { rules: [{ kind: 'latency', dist: 'fixed', ms: 2 }] } });
    engine = new Engine(mock.url, { pool: { connections: 2, localPorts: '21200-21204' } }, { env: {} });
    for (let i = 0; i < 20; i++) await Promise.all([engine.attempt(EMBED), engine.attempt(EMBED)]);
    const ports = Object.keys(mock.stats().connections.byRemotePort);
    expect(ports.length).toBeLessThanOrEqual(2);
    expect(mock.stats().requests.total).toBe(40);
  });

  it("the kernel's own refusal (EADDRINUSE: a listener holds the port) is port_exhausted too", async () => {
    mock = await startMockServer();
    const squatter = net.createServer();
    squatter.listen(21300, '0.0.0.0');
    await once(squatter, 'listening');
    try {
      engine = new Engine(mock.url, { pool: { localPorts: '21300-21300' } }, { env: {} });
      await expect(engine.attempt(EMBED)).rejects.toMatchObject({ code: 'port_exhausted' });
      expect(mock.stats().connections.accepted).toBe(0);
    } finally {
      squatter.close();
    }
  });
});
