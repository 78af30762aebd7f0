/**
 * Real clients through the proxy, each written once with a known mistake and once correctly: the mistake
 * is named by the right finding, the correct version by none. The clients' own counts (what the script
 * saw) and the upstream's (the mock's stats) are the counts the proxy's are checked against.
 */
import { describe, expect, it } from 'vitest';
import { startMockServer, type MockServer } from '../../mock-server/index.js';
import { proxyReport, startProxy, type Proxy } from '../../src/proxy/index.js';
import type { ProfileReport } from '../../src/runner/index.js';
import { runSubject } from '../helpers/subjects.js';

async function through(upstreamFaults: unknown, fn: (proxy: Proxy, upstream: MockServer) => Promise<void>): Promise<ProfileReport[]> {
  const upstream = await startMockServer({ faults: upstreamFaults });
  const proxy = await startProxy({ upstream: upstream.url });
  try {
    await fn(proxy, upstream);
    // The client's last close reaches the proxy a moment after the program exits.
    await new Promise((r) => setTimeout(r, 150));
  } finally {
    await proxy.close();
    await upstream.close();
  }
  return proxyReport(proxy).profiles;
}

const ids = (p: ProfileReport | undefined) => (p?.findings ?? []).map((f) => f.id);

describe.concurrent('real clients through the proxy: each mistake named, no correct version flagged', () => {
  for (const version of ['mistake', 'correct'] as const) {
    it(`httpx, a client per request (${version})`, async () => {
      let statuses: number[] = [];
      const [p] = await through({}, async (proxy) => {
        const run = await runSubject('httpx_client_per_request.py', [version], proxy.clientUrl);
        statuses = run.out.statuses as number[];
      });
      expect(statuses).toHaveLength(8);
      expect(p?.name).toMatch(/^python-httpx\//);
      expect(p?.requests.total).toBe(statuses.length);
      if (version === 'mistake') {
        expect(ids(p)).toContain('client-per-request');
        expect(p?.wire?.connections.opened).toBe(8);
        expect(p?.findings.find((f) => f.id === 'client-per-request')?.fix).toContain('httpx.Client()');
      } else {
        expect(ids(p)).toEqual([]);
        expect(p?.wire?.connections.opened).toBe(1);
      }
    });

    it(`aiohttp, a pool of ${version === 'mistake' ? 4 : 32} under 32 concurrent requests`, async () => {
      let statuses: number[] = [];
      let upstreamRequests = 0;
      const [p] = await through({ rules: [{ kind: 'latency', dist: 'fixed', ms: 60 }] }, async (proxy, upstream) => {
        const run = await runSubject('aiohttp_pool.py', [version], proxy.clientUrl);
        statuses = run.out.statuses as number[];
        upstreamRequests = upstream.stats().requests.total;
      });
      expect(statuses.filter((s) => s === 200)).toHaveLength(32);
      expect(p?.requests.ok).toBe(32);
      expect(upstreamRequests).toBe(32);
      if (version === 'mistake') {
        expect(ids(p)).toContain('pool-limit-queueing');
        expect(p?.wire?.connections.maxOpen).toBe(4);
        const f = p?.findings.find((x) => x.id === 'pool-limit-queueing');
        expect(f?.fix).toMatch(/TCPConnector\(limit=\d+\)/);
      } else {
        expect(ids(p)).toEqual([]);
      }
    });

    it(`undici, keep-alive ${version === 'mistake' ? '30 s' : '1 s'} behind an upstream that drops connections idle 2 s`, async () => {
      let outcomes: unknown[] = [];
      const [p] = await through({ keepAliveHint: false, rules: [{ kind: 'reset_on_reuse', idleMs: 2000 }] }, async (proxy) => {
        outcomes = (await runSubject('undici_keepalive.mjs', [version], proxy.clientUrl)).out.outcomes as unknown[];
      });
      expect(outcomes).toHaveLength(3);
      if (version === 'mistake') {
        // The client itself met the stale socket: its third request failed.
        expect(outcomes[2]).not.toBe(200);
        expect(ids(p)).toContain('stale-keepalive');
        expect(p?.wire?.reuse.stale).toBe(1);
        expect(p?.findings.find((f) => f.id === 'stale-keepalive')?.fix).toContain('keepAliveTimeout');
      } else {
        expect(outcomes).toEqual([200, 200, 200]);
        expect(ids(p)).toEqual([]);
      }
    });

    it(`openai (npm), ${version === 'mistake' ? 'a retry loop around' : 'only'} the SDK's own retries`, async () => {
      let script: Record<string, unknown> = {};
      let upstreamRequests = 0;
      const [p] = await through({ rules: [{ kind: 'status', status: 503, retryAfterS: 0.1 }] }, async (proxy, upstream) => {
        script = (await runSubject('openai_retry_loop.mjs', [version], proxy.clientUrl)).out;
        upstreamRequests = upstream.stats().requests.total;
      });
      // Each SDK call is three requests (two retries); the loop makes three calls of each.
      const calls = script.calls as number;
      expect(calls).toBe(version === 'mistake' ? 6 : 2);
      expect(p?.requests.total).toBe(calls * 3);
      expect(upstreamRequests).toBe(calls * 3);
      expect(p?.wire?.repeats.sdkRetries).toBe(calls * 2);
      expect(p?.wire?.retryAfter.ignored).toBe(0);
      expect(JSON.stringify(p)).not.toContain('sk-test-secret');
      if (version === 'mistake') {
        expect(ids(p)).toContain('retry-loop-around-sdk');
        expect(p?.wire?.repeats.outerRetries).toBe(4);
        expect(p?.findings.find((f) => f.id === 'retry-loop-around-sdk')?.fix).toContain('maxRetries');
      } else expect(ids(p)).toEqual([]);
    });
  }
});
