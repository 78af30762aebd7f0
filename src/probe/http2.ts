/** Does the server speak HTTP/2: ALPN h2 over TLS, or h2c by prior knowledge in the clear. */
import http2 from 'node:http2';
import tls from 'node:tls';
import type { ProbeResult } from './types.js';

export async function probeHttp2(url: string): Promise<ProbeResult['http2']> {
  const u = new URL(url);
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  if (u.protocol === 'https:') {
    const alpn = await new Promise<string | false>((resolve) => {
      const socket = tls.connect({ host: u.hostname, port, servername: u.hostname, ALPNProtocols: ['h2', 'http/1.1'], timeout: 5_000 }, () => {
        resolve(socket.alpnProtocol ?? false);
        socket.destroy();
      });
      socket.on('error', () => resolve(false));
      socket.on('timeout', () => {
        socket.destroy();
        resolve(false);
      });
    });
    return { tls: alpn === 'h2', h2c: null };
  }
  const h2c = await new Promise<boolean>((resolve) => {
    const session = http2.connect(url);
    const timer = setTimeout(() => done(false), 3_000);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      session.destroy();
      resolve(ok);
    };
    session.on('error', () => done(false));
    const stream = session.request({ ':path': u.pathname || '/', ':method': 'GET' });
    stream.on('response', () => done(true));
    stream.on('error', () => done(false));
    stream.end();
  });
  return { tls: null, h2c };
}

