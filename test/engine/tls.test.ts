/**
 * TLS as a real client does it: a shared client resumes its TLS sessions on new connections; a new
 * client per request (pool.mode per-request) starts with an empty session cache, so every request pays a
 * full handshake, as a freshly made httpx.Client or fetch Agent does.
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type net from 'node:net';
import type tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine, type ClientConfigInput } from '../../src/index.js';

const dir = new URL('../helpers/tls/', import.meta.url);
const cert = readFileSync(new URL('cert.pem', dir));
const key = readFileSync(new URL('key.pem', dir));

let close: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of close) await c();
  close = [];
});

/** An HTTPS server that counts, per connection, whether its TLS session was resumed. */
async function startTlsServer() {
  const handshakes = { full: 0, resumed: 0 };
  const server = https.createServer({ cert, key }, (_req, res) => res.end('{}'));
  server.on('secureConnection', (socket: tls.TLSSocket) => {
    if (socket.isSessionReused()) handshakes.resumed++;
    else handshakes.full++;
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  close.push(() => new Promise((r) => {
    server.closeAllConnections();
    server.close(() => r());
  }));
  return { url: `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`, handshakes };
}

async function twentyRequests(url: string, config: ClientConfigInput): Promise<void> {
  const engine = new Engine(url, { rejectUnauthorized: false, ...config }, { env: {} });
  close.push(() => engine.close());
  for (let i = 0; i < 20; i++) await engine.attempt({ method: 'GET', path: '/' });
}

describe('TLS handshakes', () => {
  it('a new client per request does a full handshake every time', async () => {
    const server = await startTlsServer();
    await twentyRequests(server.url, { pool: { mode: 'per-request' } });
    expect(server.handshakes).toEqual({ full: 20, resumed: 0 });
  });

  it('a shared client that reconnects resumes its TLS session (the cost per-request mode must not hide)', async () => {
    const server = await startTlsServer();
    // keepAliveMs 0: a new connection every time, from the same client.
    await twentyRequests(server.url, { pool: { keepAliveMs: 0 } });
    expect(server.handshakes.full).toBe(1);
    expect(server.handshakes.resumed).toBe(19);
  });
});
