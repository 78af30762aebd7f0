/**
 * The coordinator as an attacker or an unlucky operator meets it: shards whose clocks are wrong or whose
 * reports are forged, bodies far larger than any report, and a coordinator URL that carries a password.
 * Spoken to over real HTTP, as shards do.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Coordinator, CoordinatorLostError } from '../../src/runner/index.js';
import { ShardSession } from '../../src/runner/distributed/shard-session.js';
import { COORDINATOR_PATHS } from '../../src/runner/distributed/protocol.js';
import type { Report } from '../../src/report/index.js';
import { syntheticProfile, syntheticReport } from '../helpers/synthetic-report.js';

let coordinator: Coordinator | null = null;
afterEach(async () => {
  await coordinator?.close();
  coordinator = null;
});

const scenario = { name: 'hostile', hash: 'h1' };
const shard = (index: number) => ({ index, count: 2, instance: `i${index}` });
const post = async (path: string, body: unknown) => {
  const res = await fetch(`${(coordinator as Coordinator).url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { error?: string; startAtMs?: number } };
};

/** Two shards checked in and released into the run of profile "a"; the barrier's start (coordinator clock). */
async function releasedRun(): Promise<number> {
  coordinator = await Coordinator.start({ shards: 2, checkInTimeoutMs: 20_000, shardTimeoutMs: 20_000, leadMs: 100 });
  for (const i of [1, 2]) expect((await post(COORDINATOR_PATHS.checkIn, { shard: shard(i), scenario, profiles: ['a'], load: {}, graceMs: 1000 })).status).toBe(200);
  const [one, two] = await Promise.all([1, 2].map((i) => post(COORDINATOR_PATHS.barrier, { shard: shard(i), step: { profile: 'a', phase: 'run' } })));
  expect(one!.body.startAtMs).toBe(two!.body.startAtMs);
  return one!.body.startAtMs as number;
}

const reportAt = (startedAt: string): Report => ({ ...syntheticReport([{ ...syntheticProfile('a', { dist: 'fixed', ms: 5 }, 50, 1), startedAt }]), scenario: { ...scenario, file: null } });

describe('clocks the coordinator does not trust', () => {
  it('a forged report whose profile began years from its barrier is refused by name; the honest shard is merged', async () => {
    const barrier = await releasedRun();
    const honest = await post(COORDINATOR_PATHS.report, { shard: shard(1), report: reportAt(new Date(barrier).toISOString()), startSkewMs: 2, clockRttMs: 1 });
    expect(honest.status).toBe(200);
    const forged = await post(COORDINATOR_PATHS.report, { shard: shard(2), report: reportAt('2023-01-01T00:00:00.000Z'), startSkewMs: 2, clockRttMs: 1 });
    expect(forged.status).toBe(409);
    expect(forged.body.error).toMatch(/^shard 2\/2 refused: its report says profile "a" began -\d+ s from the barrier's start/);
    const run = await (coordinator as Coordinator).done();
    expect(run.reports).toHaveLength(1);
    expect(run.outcomes.map((o) => [o.index, o.status])).toEqual([
      [1, 'reported'],
      [2, 'failed'],
    ]);
  });

  it('a shard that began further from the barrier than its lead and round trip allow is refused by name', async () => {
    const barrier = await releasedRun();
    const late = await post(COORDINATOR_PATHS.report, { shard: shard(1), report: reportAt(new Date(barrier).toISOString()), startSkewMs: 30_000, clockRttMs: 2 });
    expect(late.status).toBe(409);
    expect(late.body.error).toBe("shard 1/2 refused: it began 30000 ms from its step's start, more than the lead (100 ms), its clock's round trip and 1000 ms allow");
  });
});

describe('bodies bounded before they are buffered', () => {
  /** Raw HTTP: headers claiming `length` bytes, then `send` bytes of body; the status line the coordinator answers. */
  async function rawPost(path: string, length: number | 'chunked', send: number): Promise<string> {
    const { port } = new URL((coordinator as Coordinator).url);
    const socket = net.connect(Number(port), '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    const framing = length === 'chunked' ? 'transfer-encoding: chunked' : `content-length: ${length}`;
    socket.write(`POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n${framing}\r\n\r\n`);
    const answer = new Promise<string>((resolve) => {
      let got = '';
      socket.on('data', (d: Buffer) => {
        got += d.toString('latin1');
        if (got.includes('\r\n')) resolve(got.split('\r\n')[0] as string);
      });
      socket.on('close', () => resolve(got.split('\r\n')[0] ?? ''));
      socket.on('error', () => resolve(got.split('\r\n')[0] ?? ''));
    });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    for (let sent = 0; sent < send && !socket.destroyed; sent += chunk.length) {
      if (length === 'chunked') socket.write(`${chunk.length.toString(16)}\r\n`);
      socket.write(chunk);
      if (length === 'chunked') socket.write('\r\n');
    }
    const line = await answer;
    socket.destroy();
    return line;
  }

  it('a report declared far larger than any report is refused before a byte is read; a message over 64 KB while streaming', async () => {
    coordinator = await Coordinator.start({ shards: 1, checkInTimeoutMs: 20_000, shardTimeoutMs: 20_000, leadMs: 100 });
    expect(await rawPost(COORDINATOR_PATHS.report, 450 * 1024 * 1024, 0)).toBe('HTTP/1.1 413 Payload Too Large');
    expect(await rawPost(COORDINATOR_PATHS.heartbeat, 'chunked', 256 * 1024)).toBe('HTTP/1.1 413 Payload Too Large');
    // Still serving afterwards.
    expect((await fetch(`${coordinator.url}${COORDINATOR_PATHS.clock}`)).status).toBe(200);
  });
});

describe('secrets in the coordinator URL', () => {
  it('a coordinator that cannot be reached is named without the password of its URL', async () => {
    const session = new ShardSession('http://ops:hunter2@127.0.0.1:9', { index: 1, count: 1 });
    const err = await session.join({ scenario, profiles: ['a'], load: {}, graceMs: 1000 }, 300).catch((e: unknown) => e);
    await session.close();
    expect(err).toBeInstanceOf(CoordinatorLostError);
    expect((err as Error).message).toMatch(/^cannot reach the coordinator at http:\/\/\[redacted\]@127\.0\.0\.1:9\//);
    expect((err as Error).message).not.toContain('hunter2');
  });
});

describe("a shard's own clock does not place its rows", () => {
  it('a shard 30 s behind the coordinator begins with the others and reports the barrier time, not its own', async () => {
    // A coordinator whose clock reads 30 s ahead of this process's: the shard must measure the offset and
    // begin on time, and its step's time is the coordinator's.
    const AHEAD_MS = 30_000;
    const http = await import('node:http');
    let released = 0;
    const server = http.createServer((req, res) => {
      const now = performance.timeOrigin + performance.now() + AHEAD_MS;
      if (req.url === COORDINATOR_PATHS.clock) return void res.end(JSON.stringify({ nowMs: now }));
      req.resume();
      req.on('end', () => {
        if (req.url === COORDINATOR_PATHS.barrier) {
          released = now + 300;
          return void res.end(JSON.stringify({ startAtMs: released }));
        }
        res.end(JSON.stringify({ ok: true }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const session = new ShardSession(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, { index: 1, count: 1 });
    try {
      await session.join({ scenario, profiles: ['a'], load: {}, graceMs: 1000 }, 5_000);
      const t0 = performance.now();
      const at = await session.sync({ profile: 'a', phase: 'run' });
      const waited = performance.now() - t0;
      expect(at).toBe(released);
      // It waited about the lead (300 ms), not 30 s, and began within a few ms of the barrier on its clock.
      expect(waited).toBeGreaterThan(200);
      expect(waited).toBeLessThan(5_000);
      expect(Math.abs(session.startSkewMs as number)).toBeLessThan(100);
    } finally {
      await session.close();
      server.close();
    }
  });
});
