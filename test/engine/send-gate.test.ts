/**
 * The moment of sending: an attempt exists only once it is written to a connection. A sibling whose race
 * was already won, or whose budget refuses it at that moment, is dropped unsent, and its connection stays
 * healthy for the next request.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Engine, RACE_WON, TailgateError, type AttemptRecord, type RaceGroup } from '../../src/index.js';
import { startStatusServer } from '../helpers/faulty-servers.js';

let close: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of close) await c();
  close = [];
});

async function setup(delayMs: number, poolTimeoutMs: number | null = null) {
  const server = await startStatusServer(200, delayMs);
  const records: AttemptRecord[] = [];
  const engine = new Engine(server.url, { pool: { connections: 1 }, timeouts: { pool: poolTimeoutMs } }, { env: {}, observer: { onAttemptEnd: (a) => records.push(a) } });
  close.push(() => engine.close(), server.close);
  return { server, engine, records };
}

describe('the send gate', () => {
  it('a queued sibling of a race that was just won never takes the connection the winner freed', async () => {
    const { server, engine, records } = await setup(100);
    const race: RaceGroup = { won: false };
    const primary = engine.attempt({ method: 'GET', path: '/primary', race });
    // One connection: the hedge waits in the pool until the primary's answer frees it.
    const hedge = engine.attempt({ method: 'GET', path: '/hedge', kind: 'hedge', race });
    expect((await primary).status).toBe(200);
    await expect(hedge).rejects.toBe(RACE_WON);
    expect(server.requests()).toBe(1);
    // Never an attempt: not reported; the connection serves the next request as it was.
    expect(records.map((r) => r.path)).toEqual(['/primary']);
    const next = await engine.attempt({ method: 'GET', path: '/next' });
    expect(next.reusedSocket).toBe(true);
    expect(server.connections()).toBe(1);
  });

  it('a budget that refuses at the moment of writing drops the attempt unsent and keeps its connection', async () => {
    const { server, engine, records } = await setup(0);
    await engine.attempt({ method: 'GET', path: '/warm' });
    const refused = new TailgateError('cancelled', 'no budget');
    await expect(engine.attempt({ method: 'GET', path: '/refused', kind: 'retry', gate: { beforeSend: () => refused } })).rejects.toBe(refused);
    let asked = 0;
    const sent = await engine.attempt({ method: 'GET', path: '/sent', gate: { beforeSend: () => (asked++, null) } });
    expect(asked).toBe(1);
    expect(sent.reusedSocket).toBe(true);
    expect(server.requests()).toBe(2);
    expect(server.connections()).toBe(1);
    expect(records.map((r) => [r.path, r.sent])).toEqual([
      ['/warm', true],
      ['/sent', true],
    ]);
  });

  it('an attempt that fails before it is written is reported, but not as sent', async () => {
    const { server, engine, records } = await setup(300, 50);
    const first = engine.attempt({ method: 'GET', path: '/a' });
    await expect(engine.attempt({ method: 'GET', path: '/b' })).rejects.toMatchObject({ code: 'pool_timeout' });
    await first;
    expect(records.map((r) => [r.path, r.sent, r.error?.code ?? null])).toEqual([
      ['/b', false, 'pool_timeout'],
      ['/a', true, null],
    ]);
    expect(server.requests()).toBe(1);
  });
});
