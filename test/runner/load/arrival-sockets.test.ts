/**
 * Random arrivals as the server sees them, over real sockets: the gaps' coefficient of variation is
 * what the arrival promises (Poisson ≈ 1, gamma with burstiness 0.25 ≈ 2, constant ≈ 0), and a load of
 * R/s for D s sends exactly R·D requests whatever the arrival; and each request leaves when it is due, not up
 * to a millisecond or two after (node's timers count whole milliseconds).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveScenario, runScenario } from '../../../src/runner/index.js';
import { gapCv, startRecordingServer } from './recording-server.js';

// 320 requests: enough gaps for a CV within about ±0.1 of its value. A slow rate keeps a loaded machine's
// event-loop stall (a long gap, then a catch-up burst) from moving the CV much: its share of the
// variance grows with n·(stall/D)².
const RATE = 100;
const DURATION_S = 3.2;
const COUNT = RATE * DURATION_S;

let server: Awaited<ReturnType<typeof startRecordingServer>>;
beforeAll(async () => {
  server = await startRecordingServer();
});
afterAll(() => server.close());

async function run(load: Record<string, unknown>): Promise<{ cv: number; sent: number }> {
  server.seen.length = 0;
  const report = await runScenario(
    resolveScenario({
      name: 'arrivals',
      target: { url: server.url },
      workload: { kind: 'request', path: '/a' },
      load: { model: 'open', rate: RATE, durationS: DURATION_S, ...load },
      profiles: [{ name: 'p' }],
    }),
    { graceMs: 2_000 },
  );
  const cv = gapCv(server.seen.map((s) => s.at));
  console.log(`arrival ${JSON.stringify(load)}: ${server.seen.length} requests, server-side gap CV ${cv.toFixed(3)}`);
  return { cv, sent: report.profiles[0]!.requests.total };
}

describe('random arrivals over real sockets', () => {
  it('poisson: exponential gaps (CV near 1), exactly R·D requests', async () => {
    const { cv, sent } = await run({ arrival: 'poisson' });
    expect(sent).toBe(COUNT);
    expect(server.seen).toHaveLength(COUNT);
    expect(cv).toBeGreaterThan(0.75);
    expect(cv).toBeLessThan(1.3);
  });

  it('gamma with burstiness 0.25: bursty (CV well above 1.5), exactly R·D requests', async () => {
    const { cv, sent } = await run({ arrival: 'gamma', burstiness: 0.25, seed: 7 });
    expect(sent).toBe(COUNT);
    expect(server.seen).toHaveLength(COUNT);
    expect(cv).toBeGreaterThan(1.5);
  });

  it('constant (the default): even gaps, exactly R·D requests', async () => {
    const { cv, sent } = await run({});
    expect(sent).toBe(COUNT);
    expect(server.seen).toHaveLength(COUNT);
    // Quiet, about 0.06; a machine at load average 11 gave 0.42 (late sends, then catch-up). Still well
    // below the least a Poisson arrival is allowed (0.75), so the two cannot be mistaken for each other.
    expect(cv).toBeLessThan(0.6);
  });

  it('constant: each request is sent when due, to a fraction of a millisecond at the median, as the server sees it and as the run records it', async () => {
    // A rate at which the loop spins to each due time (up to about 170/s: above it, timers alone, to spare a core).
    const rate = 100;
    const count = 200;
    server.seen.length = 0;
    const report = await runScenario(
      resolveScenario({ name: 'precision', target: { url: server.url }, workload: { kind: 'request', path: '/p' }, load: { model: 'open', rate, requests: count }, profiles: [{ name: 'p', pool: { connections: 4 } }] }),
      { graceMs: 2_000 },
    );
    const p = report.profiles[0]!;
    expect(p.requests.total).toBe(count);
    expect(server.seen).toHaveLength(count);
    // Request i is due at t0 + i/rate; the server does not know t0, so each arrival's offset from the schedule
    // is taken against the earliest one (the least delayed): what is left is lateness plus loopback jitter.
    const offsets = server.seen.map((s) => s.at).sort((a, b) => a - b).map((t, i) => t - (i * 1000) / rate);
    const first = Math.min(...offsets);
    const late = offsets.map((o) => o - first).sort((a, b) => a - b);
    const median = late[count >> 1] as number;
    const lag = p.generator!.startLagMs!;
    console.log(`open ${rate}/s: server-side lateness p50 ${median.toFixed(3)} ms p90 ${(late[Math.floor(count * 0.9)] as number).toFixed(3)} ms; recorded start lag p50 ${lag.p50} ms p99 ${lag.p99} ms`);
    // With timers alone, about 0.8-0.9 ms at the median (a timer fires anywhere in the millisecond after it is due).
    expect(median).toBeLessThan(0.35);
    expect(lag.p50).toBeLessThan(0.2);
  });
});
