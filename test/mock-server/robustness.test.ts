import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer } from '../../mock-server/index.js';
import { Engine } from '../../src/index.js';
import { json, sleep } from '../helpers/mock.js';

/** Write `payload` on a fresh connection, read until the server closes or `waitMs` passes, then close. */
function rawExchange(port: number, payload: string | Buffer, opts: { endAfterWrite?: boolean; waitMs?: number } = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let got = '';
    const done = () => {
      socket.destroy();
      resolve(got);
    };
    socket.on('data', (d) => {
      got += d.toString('latin1');
    });
    socket.on('error', done);
    socket.on('close', done);
    socket.on('connect', () => {
      socket.write(payload);
      if (opts.endAfterWrite) socket.end();
    });
    setTimeout(done, opts.waitMs ?? 200);
  });
}

const body = json({ input: 'x' });
const CASES: { name: string; payload: string; endAfterWrite?: boolean; expect: RegExp | '' }[] = [
  { name: 'garbage', payload: 'GARBAGE\r\n\r\n', expect: /^HTTP\/1\.1 400/ },
  { name: 'header without colon', payload: 'GET /health HTTP/1.1\r\nhost x\r\n\r\n', expect: /^HTTP\/1\.1 400/ },
  { name: 'bad version', payload: 'GET /health HTTP/9.9\r\n\r\n', expect: /^HTTP\/1\.1 (400|505)/ },
  { name: 'truncated headers', payload: 'POST /v1/embeddings HTTP/1.1\r\nhost: x\r\ncontent-le', endAfterWrite: true, expect: /^(HTTP\/1\.1 400)?/ },
  { name: 'truncated body', payload: `POST /v1/embeddings HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{"input"`, endAfterWrite: true, expect: '' },
  { name: 'invalid JSON', payload: `POST /v1/embeddings HTTP/1.1\r\nhost: x\r\ncontent-length: 9\r\nconnection: close\r\n\r\n{"input":`, expect: /^HTTP\/1\.1 400/ },
  { name: 'oversized body', payload: `POST /v1/embeddings HTTP/1.1\r\nhost: x\r\ncontent-length: 5000\r\n\r\n${'y'.repeat(5000)}`, expect: /^HTTP\/1\.1 413/ },
  { name: 'bad chunked encoding', payload: 'POST /v1/embeddings HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n', expect: /^HTTP\/1\.1 400/ },
];

describe('mock robustness', () => {
  let mock: MockServer | undefined;
  afterEach(async () => mock?.close());

  it('survives thousands of malformed and truncated requests, keeps answering correctly, and its stats add up', async () => {
    mock = await startMockServer({ maxBodyBytes: 1024 });
    const port = mock.port;
    const total = 2_400;
    const seen = new Map<string, number>();
    const concurrency = 48;
    let next = 0;
    const worker = async () => {
      while (next < total) {
        const c = CASES[next++ % CASES.length]!;
        // Every case ends with the server closing (an answer, or the peer's own end): the wait is only a backstop for a loaded machine.
        const reply = await rawExchange(port, c.payload, { endAfterWrite: c.endAfterWrite, waitMs: 3_000 });
        if (c.expect !== '') expect(reply, c.name).toMatch(c.expect);
        seen.set(c.name, (seen.get(c.name) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    expect([...seen.values()].reduce((a, b) => a + b, 0)).toBe(total);

    // Still serving, correctly.
    const engine = new Engine(mock.url, {}, { env: {} });
    try {
      const res = await engine.attempt({ method: 'POST', path: '/v1/embeddings', body });
      expect(res.json<{ data: unknown[] }>().data).toHaveLength(1);
    } finally {
      await engine.close();
    }
    await sleep(100);

    const stats = mock.stats();
    const perCase = total / CASES.length;
    expect(stats.connections.accepted).toBe(total + 1);
    expect(stats.connections.open).toBe(0);
    expect(stats.connections.closedByServer + stats.connections.closedByClient).toBe(total + 1);
    // Every request that reached a handler got exactly one status.
    const statuses = Object.values(stats.requests.byStatus).reduce((a, b) => a + b, 0);
    expect(stats.requests.total).toBe(statuses);
    // Invalid JSON, bodies cut short by the client, and chunked bodies that fail to parse.
    expect(stats.requests.byStatus['400']).toBe(perCase * 3);
    expect(stats.requests.byStatus['413']).toBe(perCase);
    expect(stats.requests.byStatus['200']).toBe(1);
    expect(stats.faults.malformed_request_received).toBeGreaterThanOrEqual(perCase * 4);
    expect(stats.requests.inFlight).toBe(0);
  });
});

describe('answers too large to build are refused (413, named), never a crash', () => {
  let mock: MockServer | undefined;
  afterEach(async () => mock?.close());

  it('a million inputs, and a modest request asking for a 70 MB answer; the mock serves the next request', async () => {
    mock = await startMockServer();
    const post = async (body: unknown) => {
      const res = await fetch(`${mock!.url}/v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, text: await res.text() };
    };
    const million = await post({ input: Array.from({ length: 1_000_000 }, () => 'a') });
    expect(million.status).toBe(413);
    expect(million.text).toContain('1000000 inputs in one request; the mock takes at most 2048');
    const wide = await post({ input: Array.from({ length: 2000 }, (_, i) => `text ${i}`), dimensions: 8192 });
    expect(wide.status).toBe(413);
    expect(wide.text).toContain('2000 × 8192');
    expect((await post({ input: ['fine'] })).status).toBe(200);
    expect(process.memoryUsage().rss).toBeLessThan(1.5 * 1024 ** 3);
  });
});
