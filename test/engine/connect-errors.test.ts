import { afterEach, describe, expect, it } from 'vitest';
import { Engine, type AttemptRecord, type TailgateError } from '../../src/index.js';
import { expectFailure, expectFiredAt } from '../helpers/expect-failure.js';
import { closedPort, startFullBacklogListener, type Running } from '../helpers/faulty-servers.js';

describe('connect failures', () => {
  let engine: Engine | undefined;
  let server: Running | undefined;
  afterEach(async () => {
    await engine?.close();
    await server?.close();
    engine = undefined;
    server = undefined;
  });

  it('a closed port is connect_refused, with no socket and no response', async () => {
    const port = await closedPort();
    const records: AttemptRecord[] = [];
    engine = new Engine(`http://127.0.0.1:${port}`, {}, { observer: { onAttemptEnd: (a) => records.push(a) } });
    const { error: err } = await expectFailure(engine.attempt({ method: 'GET', path: '/' }));
    expect(err.code).toBe('connect_refused');
    expect(records).toHaveLength(1);
    expect(records[0]!.error?.code).toBe('connect_refused');
    expect(records[0]!.socket).toBeNull();
    expect(records[0]!.ttfbMs).toBeNull();
    expect(engine.connectionStats.opened).toBe(0);
  });

  it('a listener whose backlog is full gives connect_timeout at the configured time', async () => {
    server = await startFullBacklogListener();
    engine = new Engine(server.url, { timeouts: { connect: 250 } });
    const { error, elapsedMs } = await expectFailure(engine.attempt({ method: 'GET', path: '/' }));
    expect(error.code).toBe('connect_timeout');
    expectFiredAt(elapsedMs, 250);
  });

  it('a connect timeout frees the pool slot: the next attempt is not stuck behind it', async () => {
    server = await startFullBacklogListener();
    engine = new Engine(server.url, { pool: { connections: 1 }, timeouts: { connect: 150 } });
    const both = await Promise.allSettled([engine.attempt({ method: 'GET', path: '/a' }), engine.attempt({ method: 'GET', path: '/b' })]);
    expect(both.map((r) => (r.status === 'rejected' ? (r.reason as TailgateError).code : 'ok'))).toEqual([
      'connect_timeout',
      'connect_timeout',
    ]);
  });
});
