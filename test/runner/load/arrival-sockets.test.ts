/**
 * Random arrivals as the server sees them, over real sockets: the gaps' coefficient of variation is
 * what the arrival promises (Poisson ≈ 1, gamma with burstiness 0.25 ≈ 2, constant ≈ 0), and a load of
 * R/s for D s sends exactly R·D requests whatever the arrival.
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
});
