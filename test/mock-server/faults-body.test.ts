import { afterEach, describe, expect, it } from 'vitest';
import type { AttemptRecord } from '../../src/index.js';
import { expectFailure, expectFiredAt } from '../helpers/expect-failure.js';
import { json, mockAndEngine } from '../helpers/mock.js';

const EMBED = { method: 'POST' as const, path: '/v1/embeddings', body: json({ input: ['a', 'b', 'c'] }) };

describe('mock body faults', () => {
  let close: (() => Promise<void>) | undefined;
  const records: AttemptRecord[] = [];
  const observer = { observer: { onAttemptEnd: (a: AttemptRecord) => records.push(a) } };
  afterEach(async () => {
    await close?.();
    records.length = 0;
  });

  it('slow headers delay the first byte', async () => {
    const s = await mockAndEngine({ faults: { rules: [{ kind: 'slow_headers', ms: 200 }] } }, {}, observer);
    close = s.close;
    await s.engine.attempt(EMBED);
    expect(records[0]!.ttfbMs).toBeGreaterThanOrEqual(195);
  });

  it('a slow body arrives in N chunks over T: a read timeout longer than the gaps passes, a shorter one fails', async () => {
    const s = await mockAndEngine({ faults: { rules: [{ kind: 'slow_body', chunks: 4, ms: 400 }] } }, { timeouts: { read: 300 } });
    close = s.close;
    const res = await s.engine.attempt(EMBED);
    expect(res.json<{ data: unknown[] }>().data).toHaveLength(3);
    s.mock.setFaults({ rules: [{ kind: 'slow_body', chunks: 2, ms: 800 }] });
    const { error } = await expectFailure(s.engine.attempt(EMBED));
    expect(error.code).toBe('read_timeout');
  });

  it('stall after headers: read_timeout after the first byte', async () => {
    const s = await mockAndEngine({ faults: { rules: [{ kind: 'stall_after_headers' }] } }, { timeouts: { read: 250 } }, observer);
    close = s.close;
    const { error, elapsedMs } = await expectFailure(s.engine.attempt(EMBED));
    expect(error.code).toBe('read_timeout');
    expectFiredAt(elapsedMs, 250);
    expect(records[0]!.status).toBe(200);
  });

  it('a truncated body is connection_reset; an empty response on a new connection is connection_reset too', async () => {
    const s = await mockAndEngine({ faults: { rules: [{ kind: 'truncated_body' }] } });
    close = s.close;
    expect((await expectFailure(s.engine.attempt(EMBED))).error.code).toBe('connection_reset');
    s.mock.setFaults({ rules: [{ kind: 'empty_response' }] });
    expect((await expectFailure(s.engine.attempt(EMBED))).error.code).toBe('connection_reset');
    expect(s.mock.stats().faults).toMatchObject({ truncated_body: 1, empty_response: 1 });
  });

  it('malformed JSON arrives as a 200 whose body does not parse', async () => {
    const s = await mockAndEngine({ faults: { rules: [{ kind: 'malformed_json', path: '/v1/*' }] } });
    close = s.close;
    const res = await s.engine.attempt(EMBED);
    expect(res.status).toBe(200);
    expect(() => res.json()).toThrow(SyntaxError);
  });
});
