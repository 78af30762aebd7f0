/**
 * A real nginx as the upstream: the proxy's counts of a real client's requests and connections equal
 * nginx's access log, and nginx's idle close (keepalive_timeout 2s) reaches the client mirrored.
 */
import { describe, expect, it } from 'vitest';
import { proxyReport, startProxy } from '../../src/proxy/index.js';
import { startNginx } from '../helpers/nginx.js';
import { runSubject } from '../helpers/subjects.js';

describe('the proxy in front of nginx', () => {
  it('counts what nginx logged, one upstream connection per client connection, and mirrors nginx closing idle ones', async () => {
    const nginx = await startNginx({ keepaliveTimeout: '2s' });
    const proxy = await startProxy({ upstream: nginx.url });
    try {
      // One shared client, twice, on two connections (each script run opens its own).
      for (const version of ['correct', 'correct']) await runSubject('httpx_client_per_request.py', [version], proxy.clientUrl);
      // A connection left idle past nginx's 2 s: nginx closes it, and the proxy closes the client's.
      const run = await runSubject('undici_keepalive.mjs', ['mistake'], proxy.clientUrl);
      expect(run.out.outcomes).toEqual([200, 200, 200]);
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      await proxy.close();
    }
    const log = await nginx.connectionLog();
    await nginx.stop();
    const profiles = proxyReport(proxy).profiles;
    const total = profiles.reduce((n, p) => n + p.requests.total, 0);
    const connections = profiles.reduce((n, p) => n + (p.wire?.connections.opened ?? 0), 0);
    expect(total).toBe(log.length);
    expect(total).toBe(8 + 8 + 3);
    expect(connections).toBe(new Set(log.map((l) => l.connection)).size);
    const undici = profiles.find((p) => p.name === 'undici');
    // nginx closed the idle connection at 2 s; the client's was closed with it, and its next request opened another.
    expect(undici?.wire?.connections.closedByProxy['upstream-fin']).toBe(1);
    expect(undici?.wire?.upstream.idleTimeoutMs).toBeGreaterThan(1800);
    expect(undici?.wire?.upstream.idleTimeoutMs).toBeLessThan(2600);
  });
});
