/**
 * `--tls`: the proxy serves its clients over TLS with a certificate it makes, and a client that trusts the
 * CA file reaches it, over HTTP/2 when it offers h2 by ALPN (most clients speak HTTP/2 only over TLS).
 * The subjects are real: Debian's httpx (with python3-h2) and undici (the engine); the upstream's own
 * count is what the proxy's is checked against.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer } from '../../mock-server/index.js';
import { Engine, type SocketInfo } from '../../src/engine/index.js';
import { certificateNames, makeProxyCertificate, proxyReport, startProxy, type ProxyCertificate } from '../../src/proxy/index.js';
import { runCli } from '../helpers/cli.js';
import { runSubject, type SubjectRun } from '../helpers/subjects.js';

/** Debian's own python, with its python3-httpx and python3-h2. */
const SYSTEM_PATH = execFileSync('getconf', ['PATH']).toString().trim();
let dir: string;
let made: ProxyCertificate;
let caFile: string;
let upstream: MockServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tailgate-proxy-tls-'));
  made = await makeProxyCertificate(certificateNames('127.0.0.1'));
  caFile = join(dir, 'ca.pem');
  await writeFile(caFile, made.ca);
  upstream = await startMockServer();
});
afterAll(() => upstream.close());

describe('the certificate --tls makes', () => {
  it('is a server certificate for loopback, signed by a CA made for it', () => {
    const ca = new X509Certificate(made.ca);
    const cert = new X509Certificate(made.cert);
    expect(ca.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.checkIssued(ca) && cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkIP('::1')).toBe('::1');
    expect(cert.checkIP('10.0.0.1')).toBeUndefined();
    // Extended key usage: serverAuth.
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
  });

  it('names the host it listens on, and the machine for a wildcard', () => {
    expect(certificateNames('127.0.0.2')).toEqual(['localhost', '127.0.0.1', '::1', '127.0.0.2']);
    expect(certificateNames('[::1]')).toEqual(['localhost', '127.0.0.1', '::1']);
    expect(certificateNames('0.0.0.0')).toContain(hostname());
  });
});

describe('a client over TLS through the proxy', () => {
  it('httpx with verify=CA: HTTP/2 when it offers h2, HTTP/1.1 when not; without the CA it refuses', async () => {
    const before = upstream.stats().requests.total;
    const proxy = await startProxy({ upstream: upstream.url, tls: { key: made.key, cert: made.cert } });
    let runs: SubjectRun[];
    try {
      expect(proxy.clientUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      runs = await Promise.all([
        runSubject('httpx_tls.py', ['h2', caFile], proxy.clientUrl),
        runSubject('httpx_tls.py', ['h1', caFile], proxy.clientUrl),
        runSubject('httpx_tls.py', ['h2', '-'], proxy.clientUrl),
      ]);
      await new Promise((r) => setTimeout(r, 150));
    } finally {
      await proxy.close();
    }
    const [h2, h1, untrusted] = runs.map((r) => r.out);
    expect(h2).toEqual({ versions: ['HTTP/2', 'HTTP/2', 'HTTP/2'], statuses: [200, 200, 200] });
    expect(h1).toEqual({ versions: ['HTTP/1.1', 'HTTP/1.1', 'HTTP/1.1'], statuses: [200, 200, 200] });
    expect(String(untrusted?.error)).toMatch(/CERTIFICATE_VERIFY_FAILED/);
    // The upstream answered the six requests that got through, and nothing else.
    expect(upstream.stats().requests.total - before).toBe(6);
    const [profile] = proxyReport(proxy).profiles;
    expect(profile?.requests.total).toBe(6);
    // Three connections reached TLS; the one that refused the certificate never sent a request.
    expect(profile?.wire?.connections).toMatchObject({ opened: 2, tls: 2, http2: 1 });
  });

  it('undici with the CA negotiates h2 by ALPN; without it the handshake fails on the certificate', async () => {
    const proxy = await startProxy({ upstream: upstream.url, tls: { key: made.key, cert: made.cert } });
    const sockets: SocketInfo[] = [];
    const trusted = new Engine(proxy.clientUrl, { httpVersion: 2 }, { env: {}, ca: made.ca, observer: { onSocketOpen: (s) => sockets.push(s) } });
    const untrusted = new Engine(proxy.clientUrl, { httpVersion: 2, retry: { maxRetries: 0 } }, { env: {} });
    try {
      const answers = await Promise.all([1, 2, 3].map(() => trusted.attempt({ method: 'GET', path: '/health' })));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
      expect(sockets.map((s) => s.protocol)).toEqual(['h2']);
      // Without the proxy's CA the certificate is signed by a CA the client does not trust: tls_error, named.
      await expect(untrusted.attempt({ method: 'GET', path: '/health' })).rejects.toMatchObject({ code: 'tls_error', tlsCause: 'unknown-ca', message: expect.stringMatching(/unable to verify the first certificate/) });
    } finally {
      await trusted.close();
      await untrusted.close();
      await proxy.close();
    }
    expect(proxyReport(proxy).profiles[0]?.wire?.connections).toMatchObject({ opened: 1, tls: 1, http2: 1 });
  });
});

describe('tailgate observe --tls', () => {
  it("runs the command trusting the proxy's CA with no change to its code (httpx, HTTP/2), and writes the CA file", { timeout: 60_000 }, async () => {
    const out = join(dir, 'observe');
    const script = join(dir, 'client.py');
    // Only what a user's script has: the base URL from the environment, httpx's default verification.
    await writeFile(script, 'import os, httpx\nwith httpx.Client(http2=True) as c:\n    print(c.get(os.environ["OPENAI_BASE_URL"] + "/health").http_version)\n');
    const run = await runCli(['observe', '--tls', '--upstream', upstream.url, '--out', out, '--', 'python3', script], { PATH: SYSTEM_PATH });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('HTTP/2');
    expect(run.stderr).toContain(`have your client trust ${join(out, 'proxy-ca.pem')}`);
    const files = await readdir(out);
    expect(files).toEqual(expect.arrayContaining(['proxy-ca.pem', 'proxy-ca-bundle.pem']));
    expect(new X509Certificate(await readFile(join(out, 'proxy-ca.pem'))).ca).toBe(true);
    const report = JSON.parse(await readFile(join(out, files.find((f) => f.startsWith('proxy-') && f.endsWith('.json'))!), 'utf8'));
    expect(report.profiles[0].wire.connections).toMatchObject({ tls: 1, http2: 1 });
  });

  it('--tls-ca without --tls is a usage error, nothing listens', async () => {
    const run = await runCli(['proxy', '--upstream', upstream.url, '--tls-ca', join(dir, 'x.pem'), '--out', dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--tls-ca names where --tls writes its CA file: give --tls too');
  });
});
