/**
 * Outcomes a user would not call success, named: a TLS failure gets its own error class and says which
 * (self-signed, expired, wrong host), over real handshakes; a redirect the client does not follow is not
 * ok (http_3xx), so a target that only ever redirects fails its error-rate gate and is flagged.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyError } from '../../src/engine/errors.js';
import { Engine, TailgateError } from '../../src/engine/index.js';
import { runGate, withFindings } from '../../src/report/index.js';
import { resolveScenario, runScenario } from '../../src/runner/index.js';

const dir = new URL('../helpers/tls/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, dir));

let close: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of close.splice(0)) await c();
});

async function listen(server: http.Server | https.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  close.push(() => new Promise((r) => {
    server.closeAllConnections();
    server.close(() => r());
  }));
  return (server.address() as net.AddressInfo).port;
}

/** The error a real handshake to `host`:`port` (as `servername`, when given) fails with, trusting `ca`, as the engine classifies it. */
function handshakeError(port: number, host: string, ca: Buffer, servername?: string): Promise<TailgateError> {
  return new Promise((resolve) => {
    const socket = tls.connect({ port, host, ca, ...(servername ? { servername } : {}) });
    socket.once('secureConnect', () => resolve(new TailgateError('other', 'it connected')));
    socket.once('error', (err) => resolve(classifyError(err, { dispatched: false, reusedSocket: false, responseStarted: false, msSinceWritten: null, staleWindowMs: 25 })));
  });
}

describe('TLS failures have their own class and cause', () => {
  it('a self-signed server, through the engine: tls_error, self-signed, with what to do', async () => {
    const port = await listen(https.createServer({ cert: read('cert.pem'), key: read('key.pem') }, (_q, s) => s.end('{}')));
    const engine = new Engine(`https://127.0.0.1:${port}`, {}, { env: {} });
    close.push(() => engine.close());
    const err = (await engine.attempt({ method: 'GET', path: '/' }).catch((e: unknown) => e)) as TailgateError;
    expect(err.code).toBe('tls_error');
    expect(err.tlsCause).toBe('self-signed');
    expect(err.message).toMatch(/^TLS \(self-signed\): the server's certificate is self-signed: trust its CA, or turn verification off/);
  });

  it('an expired certificate, and one for another host, each named (with the CA trusted)', async () => {
    const expired = await listen(https.createServer({ cert: read('expired/cert.pem'), key: read('expired/key.pem') }));
    expect((await handshakeError(expired, '127.0.0.1', read('expired/ca.pem'), 'localhost')).tlsCause).toBe('expired');
    const selfSigned = await listen(https.createServer({ cert: read('cert.pem'), key: read('key.pem') }));
    const wrongHost = await handshakeError(selfSigned, '127.0.0.1', read('cert.pem'), 'model.example.com');
    expect(wrongHost.code).toBe('tls_error');
    expect(wrongHost.tlsCause).toBe('wrong-host');
  });
});

describe('a redirect the client does not follow is not ok', () => {
  it('a target that redirects every request to itself: every request fails http_3xx, error_rate<1% fails, and a finding says to check the URL', async () => {
    const port = await listen(http.createServer((req, res) => res.writeHead(302, { location: req.url ?? '/' }).end()));
    const report = await runScenario(
      resolveScenario({
        name: 'redirects',
        target: { url: `http://127.0.0.1:${port}` },
        workload: { kind: 'embed', inputsPerRequest: 1 },
        load: { model: 'closed', users: 2, requests: 20 },
        profiles: [{ name: 'undici', preset: 'undici' }, { name: 'fetch', preset: 'fetch' }],
      }),
    );
    const [undici, fetch] = report.profiles;
    // undici.request returns the 302: as the answer, a failure; fetch follows it 20 times, then gives up.
    expect(undici!.requests).toMatchObject({ total: 20, ok: 0, failed: 20 });
    expect(undici!.requestErrors).toEqual({ http_3xx: 20 });
    expect(undici!.statuses).toEqual({ '302': 20 });
    expect(fetch!.requests).toMatchObject({ ok: 0, failed: 20 });
    expect(runGate(report, { thresholds: ['error_rate<1%'], maxRegression: [] }).map((c) => c.status)).toEqual(['fail', 'fail']);
    const [finding] = withFindings(report).profiles[0]!.findings.filter((f) => f.id === 'redirected');
    expect(finding).toMatchObject({ severity: 'critical', change: null });
    expect(finding!.symptom).toBe('No request reached an answer: every one ended on a redirect this client did not follow (http_3xx)');
  });
});
