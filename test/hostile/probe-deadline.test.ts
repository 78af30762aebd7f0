/**
 * A probe target that drip-feeds its body (a byte now and then, forever): every step has a deadline, 4×
 * the slowest answer so far and at most 60 s, after which the step ends with a note; the probe finishes.
 */
import http from 'node:http';
import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import { probe, PROBE_DEFAULTS } from '../../src/probe/index.js';

describe('probe deadlines', () => {
  it('answers that start drip-feeding end their step within the deadline, said in a note; the probe still reports', async () => {
    let answered = 0;
    const drips = new Set<NodeJS.Timeout>();
    const server = http.createServer((req, res) => {
      req.resume();
      // The first answers are quick and whole; from the fifth on, one byte every 300 ms, never ending.
      if (++answered <= 4) return void res.end('{"ok":true}');
      res.writeHead(200, { 'content-type': 'application/json' });
      const drip = setInterval(() => res.write(' '), 300);
      drips.add(drip);
      res.on('close', () => {
        clearInterval(drip);
        drips.delete(drip);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    try {
      const t0 = performance.now();
      const result = await probe(url, { ...PROBE_DEFAULTS, path: '/', method: 'GET', body: null, headers: {}, maxIdleMs: 1_500, maxRequests: 50, env: {} });
      const tookS = (performance.now() - t0) / 1000;
      expect(result.notes.some((n) => /an answer took longer than 1 s \(4× the slowest so far, at most 60 s\): its body was drip-fed or never ended/.test(n))).toBe(true);
      // Four answers were measured before the drip: the probe reports them, and it did not hang.
      expect(result.latencyMs?.samples).toBeGreaterThanOrEqual(3);
      expect(tookS).toBeLessThan(30);
    } finally {
      for (const d of drips) clearInterval(d);
      server.closeAllConnections();
      server.close();
    }
  });
});
