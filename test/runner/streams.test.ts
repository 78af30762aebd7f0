/**
 * Streaming metrics against a streaming server written here, with a known time to first token, known
 * gaps between tokens and a known token count: TTFT, ITL, TPOT, tokens (from usage, or counted, and
 * said which), goodput against an SLO, and the gate's stream metrics.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runGate } from '../../src/report/index.js';
import { resolveScenario, runScenario } from '../../src/runner/index.js';

const TTFT_MS = 200;
const GAP_MS = 30;
const TOKENS = 12;

let server: http.Server | undefined;
afterEach(() => server?.close());

/** An OpenAI-style chat stream: first content after TTFT_MS, then one token every GAP_MS; usage when asked. */
async function startStreamServer(withUsage: boolean, pauseAfter: number | null = null): Promise<string> {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let sent = 0;
      const send = () => {
        res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: `t${sent}` } }] })}\n\n`);
        if (++sent < TOKENS) return void setTimeout(send, sent === pauseAfter ? 600 : GAP_MS);
        if (withUsage) res.write(`data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 5, completion_tokens: TOKENS, total_tokens: TOKENS + 5 } })}\n\n`);
        res.end('data: [DONE]\n\n');
      };
      setTimeout(send, TTFT_MS);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const scenario = (url: string, slo: Record<string, string>) =>
  resolveScenario({
    name: 'streams',
    target: { url },
    workload: { kind: 'stream', maxTokens: TOKENS },
    load: { model: 'open', rate: 20, durationS: 2 },
    slo,
    profiles: [{ name: 'p', preset: 'openai-node' }],
  });

describe('streaming metrics, as the client reads the stream', () => {
  it('TTFT, ITL and TPOT within 10% of the server’s pacing; tokens from usage; goodput against the SLO', async () => {
    const report = await runScenario(scenario(await startStreamServer(true), { ttft: '400ms', itl: '100ms' }));
    const p = report.profiles[0]!;
    expect(p.requests).toMatchObject({ total: 40, ok: 40, failed: 0 });
    expect(p.ttftMs!.p50).toBeGreaterThanOrEqual(TTFT_MS);
    expect(p.ttftMs!.p50).toBeLessThan(TTFT_MS * 1.1);
    expect(Math.abs(p.itlMs!.p50 - GAP_MS) / GAP_MS).toBeLessThan(0.1);
    expect(Math.abs(p.tpotMs!.p50 - GAP_MS) / GAP_MS).toBeLessThan(0.1);
    expect(p.itlMs!.count).toBe(40 * (TOKENS - 1));
    expect(p.tokens).toMatchObject({ out: 40 * TOKENS, source: 'usage' });
    expect(p.goodput).toEqual({ slo: { ttftMs: 400, itlMs: 100 }, met: 40, of: 40, metNet: 40 });
    // 40 of 40 met: enough to show more than 90% (at 95% confidence), not more than 95%.
    const checks = runGate(report, { thresholds: ['ttft.p(50)<300ms', 'itl.p(50)<25ms', 'tpot.avg<40ms', 'goodput>90%', 'goodput>95%'], maxRegression: [] });
    expect(checks.map((c) => c.status)).toEqual(['pass', 'fail', 'pass', 'pass', 'inconclusive']);
    expect(checks[4]!.decide).toMatch(/^about [\d,]+ samples \(now 40\)/);
  });

  it('without usage the chunks are counted, and said so; a tight SLO gives a goodput of 0', async () => {
    const report = await runScenario(scenario(await startStreamServer(false), { ttft: '150ms' }));
    const p = report.profiles[0]!;
    expect(p.tokens).toMatchObject({ out: 40 * TOKENS, source: 'counted' });
    expect(p.goodput).toMatchObject({ met: 0, of: 40 });
    const [check] = runGate(report, { thresholds: ['goodput>95%'], maxRegression: [] });
    expect(check!.status).toBe('fail');
  });

  it('a read timeout sized for the first byte cuts streams that pause between tokens, and the finding says so', async () => {
    const url = await startStreamServer(true, 5);
    const report = await runScenario(
      resolveScenario({
        name: 'stream-pause',
        target: { url },
        workload: { kind: 'stream', maxTokens: TOKENS },
        load: { model: 'open', rate: 10, durationS: 1 },
        profiles: [{ name: 'read-400ms', preset: 'undici', timeouts: { read: 400 } }],
      }),
    );
    const { withFindings } = await import('../../src/report/index.js');
    const p = withFindings(report).profiles[0]!;
    expect(p.errors.read_timeout).toBe(10);
    const finding = p.findings.find((f) => f.id === 'read-timeout-vs-token-gaps');
    expect(finding?.symptom).toBe('10 streams were cut by the read timeout between tokens');
  });
});
