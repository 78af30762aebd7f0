import { afterEach, describe, expect, it } from 'vitest';
import { FaultConfigError, resolveFaults, startMockServer, loadFaultFile } from '../../mock-server/index.js';
import { Engine, type AttemptRequest, type TailgateError } from '../../src/index.js';
import { json, mockAndEngine } from '../helpers/mock.js';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const EMBED: AttemptRequest = { method: 'POST', path: '/v1/embeddings', body: json({ input: ['a'] }) };

async function outcomes(engine: Engine, n: number, req = EMBED, headers?: Record<string, string>): Promise<(number | string)[]> {
  const out: (number | string)[] = [];
  for (let i = 0; i < n; i++) {
    try {
      out.push((await engine.attempt({ ...req, ...(headers ? { headers } : {}) })).status);
    } catch (err) {
      out.push((err as TailgateError).status ?? (err as TailgateError).code);
    }
  }
  return out;
}

describe('mock status faults, rate limits and the admin API', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => close?.());

  it('a token bucket answers 429 beyond its burst, with Retry-After in seconds', async () => {
    const s = await mockAndEngine({ faults: { rules: [{ kind: 'rate_limit', rate: 1, burst: 3 }] } });
    close = s.close;
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => s.engine.attempt(EMBED)));
    const limited = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as TailgateError);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(limited).toHaveLength(5);
    expect(limited.every((e) => e.code === 'http_429' && Number(e.headers?.['retry-after']) >= 1)).toBe(true);
    expect(s.mock.stats().requests.byStatus).toEqual({ '200': 3, '429': 5 });
    expect(s.mock.stats().faults.rate_limit).toBe(5);
  });

  it('Retry-After can be an HTTP date, and a per-client limit keys on the API key', async () => {
    const s = await mockAndEngine({ faults: { rules: [{ kind: 'rate_limit', rate: 0.5, burst: 1, scope: 'client', retryAfter: 'date' }] } });
    close = s.close;
    const other = new Engine(s.mock.url, { apiKey: 'key-b' }, { env: {} });
    try {
      const a = await outcomes(s.engine, 2);
      const b = await outcomes(other, 1);
      expect(a).toEqual([200, 429]);
      expect(b).toEqual([200]);
      const err = await s.engine.attempt(EMBED).catch((e: TailgateError) => e);
      const date = Date.parse((err as TailgateError).headers?.['retry-after'] ?? '');
      expect(date).toBeGreaterThan(Date.now() - 1_000);
    } finally {
      await other.close();
    }
  });

  it('5xx with a probability is reproducible from the seed, and 503 carries Retry-After', async () => {
    const faults = { seed: 42, rules: [{ kind: 'status', status: 503, probability: 0.3, retryAfterS: 2 }] };
    const first = await mockAndEngine({ faults });
    const firstRun = await outcomes(first.engine, 40);
    await first.close();
    const second = await mockAndEngine({ faults });
    close = second.close;
    const secondRun = await outcomes(second.engine, 40);
    expect(secondRun).toEqual(firstRun);
    const failures = firstRun.filter((x) => x === 503).length;
    expect(failures).toBeGreaterThan(4);
    expect(failures).toBeLessThan(25);
    const err = await second.engine.attempt({ ...EMBED, headers: { 'x-tailgate-fault-status': '503', 'x-tailgate-fault-retry-after': '2' } }).catch((e) => e);
    expect(err.headers['retry-after']).toBe('2');
  });

  it('rules are scoped by path', async () => {
    const s = await mockAndEngine({ faults: { rules: [{ kind: 'status', status: 500, path: '/rerank' }] } });
    close = s.close;
    expect(await outcomes(s.engine, 1)).toEqual([200]);
    expect(await outcomes(s.engine, 1, { method: 'POST', path: '/rerank', body: json({ query: 'q', texts: ['a'] }) })).toEqual([500]);
  });

  it('per-request x-tailgate-fault-* headers inject a delay, a status or a body fault', async () => {
    const s = await mockAndEngine();
    close = s.close;
    const t0 = performance.now();
    await s.engine.attempt({ ...EMBED, headers: { 'x-tailgate-fault-delay-ms': '150' } });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(145);
    expect(await outcomes(s.engine, 1, EMBED, { 'x-tailgate-fault-status': '502' })).toEqual([502]);
    const malformed = await s.engine.attempt({ ...EMBED, headers: { 'x-tailgate-fault-body': 'malformed' } });
    expect(() => malformed.json()).toThrow();
  });

  it('the admin API reads, replaces (validated) and clears the faults at run time, and resets the stats', async () => {
    const mock = await startMockServer();
    close = () => mock.close();
    const admin = new Engine(mock.url, {}, { env: {} });
    try {
      const put = await admin.attempt({ method: 'POST', path: '/__tailgate/faults', body: json({ rules: [{ kind: 'status', status: 500 }] }) });
      expect(put.json<{ rules: unknown[] }>().rules).toHaveLength(1);
      expect(await outcomes(admin, 1)).toEqual([500]);
      const bad = await admin.attempt({ method: 'POST', path: '/__tailgate/faults', body: json({ rules: [{ kind: 'status', status: 200, probability: 2 }] }) }).catch((e) => e);
      expect(bad.status).toBe(400);
      expect(JSON.parse(bad.body).error.problems).toEqual([
        'rules[0].status must be an integer in 400..599, got 200',
        'rules[0].probability must be a number in 0..1, got 2',
      ]);
      expect(await outcomes(admin, 1)).toEqual([500]); // the invalid config changed nothing
      await admin.attempt({ method: 'DELETE', path: '/__tailgate/faults' });
      expect(await outcomes(admin, 1)).toEqual([200]);
      const stats = (await admin.attempt({ method: 'GET', path: '/__tailgate/stats' })).json<{ requests: { total: number } }>();
      expect(stats.requests.total).toBe(3); // admin calls are not counted
      await admin.attempt({ method: 'DELETE', path: '/__tailgate/stats' });
      expect(mock.stats().requests.total).toBe(0);
    } finally {
      await admin.close();
    }
  });

  it('admin API and fault headers can be switched off', async () => {
    const s = await mockAndEngine({ admin: false, faultHeaders: false });
    close = s.close;
    expect(await outcomes(s.engine, 1, { method: 'GET', path: '/__tailgate/stats', body: '' })).toEqual([404]);
    expect(await outcomes(s.engine, 1, EMBED, { 'x-tailgate-fault-status': '500' })).toEqual([200]);
  });

  it('an invalid fault file is an error naming the file and every field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-'));
    const file = join(dir, 'faults.yaml');
    await writeFile(file, 'seed: -1\nworkers: 0\nrules:\n  - kind: latency\n    dist: lognormal\n    medianMs: 50\n  - kind: teleport\n');
    const err = await loadFaultFile(file).catch((e) => e);
    expect(err).toBeInstanceOf(FaultConfigError);
    expect(err.message).toContain(file);
    expect(err.problems).toEqual([
      'seed must be an integer in 0..4294967295, got -1',
      'workers must be an integer in 1..100000 or null, got 0',
      'rules[0].p99Ms is required for dist lognormal',
      expect.stringMatching(/^rules\[1\]\.kind must be one of latency, status/),
    ]);
    expect(() => resolveFaults({ capacity: { onExceed: 'explode' } })).toThrow(/capacity.onExceed must be one of reset, backlog/);
  });
});
