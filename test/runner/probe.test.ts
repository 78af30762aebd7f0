import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer } from '../../mock-server/index.js';
import { probe, PROBE_DEFAULTS, type ProbeOptions } from '../../src/runner/index.js';
import { searchReadTimeoutMs } from '../../src/runner/probe/index.js';
import { runCli } from '../helpers/cli.js';
import { closedPort } from '../helpers/faulty-servers.js';

const base: ProbeOptions = { ...PROBE_DEFAULTS, path: '/health', method: 'GET', body: null, headers: {}, maxIdleMs: 3_000, env: {} };
const within10 = (got: number | null, want: number) => {
  expect(got).not.toBeNull();
  expect(Math.abs((got as number) - want) / want).toBeLessThanOrEqual(0.1);
};

describe('probe against the mock set to known values', () => {
  let mock: MockServer | undefined;
  afterEach(async () => mock?.close());

  it('finds the idle timeout (server FIN), a wrong Keep-Alive hint, requests per connection and h2c', async () => {
    mock = await startMockServer({ faults: { idleTimeoutMs: 1_500, keepAliveHint: 30, maxRequestsPerConnection: 25 } });
    const r = await probe(mock.url, base);
    within10(r.keepAlive.idleTimeoutMs, 1_500);
    expect(r.keepAlive.how).toBe('fin');
    expect(r.keepAlive.hintS).toBe(30);
    expect(r.keepAlive.hintTrue).toBe(false);
    expect(r.maxRequestsPerConnection.value).toBe(25);
    expect(r.http2.h2c).toBe(true);
    expect(r.latencyMs!.samples).toBeGreaterThan(10);
    const keep = r.recommendations.find((x) => x.setting === 'pool.keepAliveMs')!;
    expect(Number(keep.value)).toBeLessThan(1_500);
    expect(r.recommendations.find((x) => x.setting === 'pool.honorKeepAliveHint')!.value).toBe('false');
  });

  it('a truthful hint is called true; a server that keeps connections reports no limit', async () => {
    mock = await startMockServer({ faults: { idleTimeoutMs: 2_000 } });
    const r = await probe(mock.url, { ...base, maxRequests: 30 });
    within10(r.keepAlive.idleTimeoutMs, 2_000);
    expect(r.keepAlive.hintS).toBe(2);
    expect(r.keepAlive.hintTrue).toBe(true);
    expect(r.maxRequestsPerConnection).toEqual({ value: null, atLeast: 30 });
  });

  it("a server's quirks end a step, never the probe: a FIN after the 10th response without Connection: close", async () => {
    // A raw server: answers keep-alive, then closes the socket after its 10th response without saying so.
    let connections = 0;
    const raw = net.createServer((socket) => {
      connections++;
      let answered = 0;
      socket.on('error', () => {});
      socket.on('data', () => {
        answered++;
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nkeep-alive: timeout=5\r\n\r\nok');
        if (answered === 10) socket.end();
      });
    });
    raw.listen(0, '127.0.0.1');
    await once(raw, 'listening');
    try {
      const r = await probe(`http://127.0.0.1:${(raw.address() as net.AddressInfo).port}`, { ...base, maxIdleMs: 1_500, maxRequests: 50 });
      expect(r.maxRequestsPerConnection.value).toBe(10);
      expect(r.latencyMs!.samples).toBeGreaterThanOrEqual(9);
      expect(connections).toBeGreaterThan(1);
    } finally {
      raw.close();
    }
  });

  it('a model slower than 5 s is not taken for a dead connection; the keep-alive advice keeps a stated margin', async () => {
    // The idle-time search reads with a timeout above the slowest answer step 1 saw (was a fixed 5 s).
    expect(searchReadTimeoutMs({ samples: 5, p50: 5_400, p90: 5_500, p99: 5_500, max: 5_600 })).toBeGreaterThan(5_600 * 2);
    expect(searchReadTimeoutMs(null)).toBe(5_000);
    mock = await startMockServer({ faults: { idleTimeoutMs: 1_000, keepAliveHint: false, rules: [{ kind: 'latency', dist: 'fixed', ms: 300 }] } });
    const r = await probe(mock.url, { ...base, maxIdleMs: 2_000, maxRequests: 3 });
    within10(r.keepAlive.idleTimeoutMs, 1_000);
    const keep = r.recommendations.find((x) => x.setting === 'pool.keepAliveMs')!;
    // Was 100 ms for a 1 s timeout: now a quarter below it, and said so.
    expect(Number(keep.value)).toBeGreaterThanOrEqual(650);
    expect(Number(keep.value)).toBeLessThan(r.keepAlive.idleTimeoutMs!);
    expect(keep.why).toMatch(/expire them \d+ ms before/);
  });

  it('finds a silent drop (reset on reuse after idle, no FIN) by searching idle times', async () => {
    mock = await startMockServer({ faults: { idleTimeoutMs: 60_000, keepAliveHint: false, rules: [{ kind: 'reset_on_reuse', idleMs: 800 }] } });
    const r = await probe(mock.url, { ...base, maxIdleMs: 2_000, maxRequests: 5 });
    expect(r.keepAlive.how).toBe('reuse-fails');
    within10(r.keepAlive.idleTimeoutMs, 800);
  });

  it('opt-in: finds the rate at which 429s start, never above --max-rate', async () => {
    mock = await startMockServer({ faults: { rules: [{ kind: 'rate_limit', rate: 40, burst: 5, path: '/v1/*' }] } });
    const r = await probe(mock.url, { ...base, path: '/v1/embeddings', method: 'POST', body: '{"input":"a"}', maxRequests: 3, maxIdleMs: 500, findRateLimit: true, maxRate: 100 });
    within10(r.rateLimit!.startsAtRps, 40);
    expect(r.rateLimit!.retryAfter).toBe('1');
    expect(mock.stats().requests.maxInFlight).toBeLessThan(100);
  });

  it('tailgate probe: exit 3 on an unreachable server, 2 on bad arguments', async () => {
    const port = await closedPort();
    const down = await runCli(['probe', `http://127.0.0.1:${port}`, '--json']);
    expect(down.code).toBe(3);
    expect(down.stderr).toContain('cannot probe');
    const bad = await runCli(['probe', 'ftp://x', '--method', 'FETCH']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('URL must be an http:// or https:// URL');
    expect(bad.stderr).toContain('--method must be one of');
  });
});
