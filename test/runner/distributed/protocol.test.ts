/** The coordinator's messages: each checked against its declaration before the coordinator reads it. */
import { afterEach, describe, expect, it } from 'vitest';
import { Coordinator } from '../../../src/runner/index.js';

let coordinator: Coordinator | undefined;
afterEach(async () => coordinator?.close());

const post = async (path: string, body: string) => {
  const res = await fetch(`${coordinator!.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: res.status, error: ((await res.json()) as { error?: string }).error };
};

describe('the coordinator’s messages', () => {
  it('a malformed body is answered 400 with every problem by path, and the run goes on', async () => {
    coordinator = await Coordinator.start({ shards: 1, checkInTimeoutMs: 60_000, shardTimeoutMs: 60_000, leadMs: 50 });
    const shard = { index: 1, count: 1, instance: 'test' };
    expect(await post('/check-in', '[]')).toEqual({ status: 400, error: 'the value must be an object, got a list' });
    expect(await post('/check-in', JSON.stringify({ shard: { index: 1, count: 1 }, scenario: { name: 's' }, profiles: ['a', 2], graceMs: -1 }))).toEqual({
      status: 400,
      error: 'load is required; shard.instance is required; scenario.hash is required; profiles[1] must be a string, got 2; graceMs must be a number >= 0, got -1',
    });
    expect(await post('/barrier', JSON.stringify({ shard, step: { profile: 'a', phase: 'cooldown' } }))).toEqual({ status: 400, error: 'step.phase must be one of warmup, run, got "cooldown"' });
    expect(await post('/heartbeat', JSON.stringify({ shard, progress: { profile: 'a', phase: 'run', elapsedS: 1, rps: 'fast', p99Ms: null, errors: 0, inFlight: 0 } }))).toEqual({
      status: 400,
      error: 'progress.rps must be a number >= 0, got "fast"',
    });
    expect(await post('/report', JSON.stringify({ shard, report: 'lots', startSkewMs: 0, clockRttMs: 1 }))).toEqual({ status: 400, error: 'report must be an object, got "lots"' });
    expect(await post('/fail', JSON.stringify({ shard }))).toEqual({ status: 400, error: 'error is required' });
    expect((await post('/nowhere', '{}')).status).toBe(404);
    // The same shard, well-formed, checks in, starts, and reports: nothing above changed the run.
    expect(await post('/check-in', JSON.stringify({ shard, scenario: { name: 's', hash: 'h' }, profiles: ['a'], load: { model: 'open' }, graceMs: 0, newerField: 1 }))).toEqual({ status: 200, error: undefined });
    expect(await post('/barrier', JSON.stringify({ shard, step: { profile: 'a', phase: 'run' } }))).toMatchObject({ status: 200 });
    expect(await post('/report', JSON.stringify({ shard, report: { scenario: { name: 's', hash: 'h' } }, startSkewMs: null, clockRttMs: 0.4 }))).toEqual({ status: 200, error: undefined });
    const run = await coordinator.done();
    expect(run.outcomes).toEqual([{ index: 1, status: 'reported', detail: null, startSkewMs: null, clockRttMs: 0.4 }]);
  });
});
