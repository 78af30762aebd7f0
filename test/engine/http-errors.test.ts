import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src/index.js';
import { expectFailure } from '../helpers/expect-failure.js';
import { startGarbageServer, startStatusServer, type Running } from '../helpers/faulty-servers.js';

describe('HTTP status and protocol failures', () => {
  let engine: Engine | undefined;
  let server: Running | undefined;
  afterEach(async () => {
    await engine?.close();
    await server?.close();
  });

  it.each([
    [400, 'http_4xx'],
    [404, 'http_4xx'],
    [422, 'http_4xx'],
    [429, 'http_429'],
    [500, 'http_5xx'],
    [503, 'http_5xx'],
  ])('status %i is %s, carrying status, headers and body', async (status, code) => {
    server = await startStatusServer(status, 0, { 'retry-after': '2' });
    engine = new Engine(server.url);
    const { error } = await expectFailure(engine.attempt({ method: 'POST', path: '/v1/embeddings', body: '{}', discardBody: true }));
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.headers?.['retry-after']).toBe('2');
    expect(JSON.parse(error.body ?? '')).toEqual({ status, path: '/v1/embeddings' });
  });

  it('2xx resolves with status, headers and the body', async () => {
    server = await startStatusServer(200);
    engine = new Engine(`${server.url}/base/`);
    const res = await engine.attempt({ method: 'GET', path: '/x?q=1' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    // The base URL's path prefixes every request path.
    expect(res.json()).toEqual({ status: 200, path: '/base/x?q=1' });
  });

  it('a response that is not HTTP is protocol_error', async () => {
    server = await startGarbageServer();
    engine = new Engine(server.url);
    const { error } = await expectFailure(engine.attempt({ method: 'GET', path: '/' }));
    expect(error.code).toBe('protocol_error');
  });

  it('a body cut short after the headers is connection_reset (the response had started)', async () => {
    const srv = net.createServer((socket) => {
      socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly-part'));
      socket.on('error', () => {});
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as net.AddressInfo).port;
    server = { url: `http://127.0.0.1:${port}`, port, close: () => new Promise((r) => srv.close(() => r())) };
    engine = new Engine(server.url);
    const { error } = await expectFailure(engine.attempt({ method: 'GET', path: '/' }));
    expect(error.code).toBe('connection_reset');
  });
});
