/**
 * Streaming metrics against a streaming server written here, with a known time to first token, known
 * gaps between tokens and a known token count: TTFT, ITL, TPOT, tokens (from usage, or counted, and
 * said which), goodput against an SLO, and the gate's stream metrics; each metric under tailgate's,
 * vLLM's and genai-perf's definitions (docs/metrics.md); the one SSE parser they all go through.
 */
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DONE, PerformanceClient, readChunk, SseParser } from '../../../src/engine/index.js';
import { decodeHistogram } from '../../../src/metrics/index.js';
import { definitionsTable, mergeReports, runGate, type Check } from '../../../src/report/index.js';
import { runCli, runMain } from '../../helpers/cli.js';
import { applyFixes, resolveScenario, runScenario, type Report } from '../../../src/runner/index.js';

const TTFT_MS = 200;
const GAP_MS = 30;
const TOKENS = 12;

/**
 * What the server paced, as the client saw it: never much less (a timer fires on time or late), and
 * more only by what a loaded machine adds (its timers and the generator run late): up to a quarter.
 */
const near = (got: number | undefined, want: number) => {
  expect(got).toBeDefined();
  expect(got as number).toBeGreaterThanOrEqual(0.9 * want - 3);
  expect(got as number).toBeLessThanOrEqual(1.25 * want + 5);
};

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

/**
 * The gate's verdicts, or "inconclusive" where it found this machine's load generator saturated (a loaded
 * machine: the gate refuses to judge then, which is right); never the opposite verdict.
 */
/** The verdicts wanted, or inconclusive where a loaded machine's generator may account for the value (never the opposite verdict). */
function expectVerdicts(checks: Check[], want: Check['status'][]): void {
  checks.forEach((c, i) => {
    if (c.status === 'inconclusive' && want[i] !== 'inconclusive') expect(c.detail).toMatch(/load generator/);
    else expect(c.status, c.expression).toBe(want[i]);
  });
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
  it('TTFT, ITL and TPOT as the server paced them; tokens from usage; goodput against the SLO', async () => {
    const report = await runScenario(scenario(await startStreamServer(true), { ttft: '400ms', itl: '100ms' }));
    const p = report.profiles[0]!;
    expect(p.requests).toMatchObject({ total: 40, ok: 40, failed: 0 });
    expect(p.ttftMs!.p50).toBeGreaterThanOrEqual(TTFT_MS);
    near(p.ttftMs!.p50, TTFT_MS);
    near(p.itlMs!.p50, GAP_MS);
    near(p.tpotMs!.p50, GAP_MS);
    expect(p.itlMs!.count).toBe(40 * (TOKENS - 1));
    expect(p.tokens).toMatchObject({ out: 40 * TOKENS, source: 'usage' });
    expect(p.goodput).toEqual({ slo: { ttftMs: 400, itlMs: 100 }, met: 40, of: 40, metNet: 40 });
    // 40 of 40 met: enough to show more than 90% (at 95% confidence), not more than 95%.
    const checks = runGate(report, { thresholds: ['ttft.p(50)<300ms', 'itl.p(50)<25ms', 'tpot.avg<40ms', 'goodput>90%', 'goodput>95%'], maxRegression: [] });
    expectVerdicts(checks, ['pass', 'fail', 'pass', 'pass', 'inconclusive']);
    expect(checks[4]!.decide).toMatch(/^about [\d,]+ samples \(now 40\)/);
  });

  it('without usage the chunks are counted, and said so; a tight SLO gives a goodput of 0', async () => {
    const report = await runScenario(scenario(await startStreamServer(false), { ttft: '150ms' }));
    const p = report.profiles[0]!;
    expect(p.tokens).toMatchObject({ out: 40 * TOKENS, source: 'counted' });
    expect(p.goodput).toMatchObject({ met: 0, of: 40 });
    const [check] = runGate(report, { thresholds: ['goodput>95%'], maxRegression: [] });
    expectVerdicts([check!], ['fail']);
  });

  it("the timeout that bounds a stream's gaps cuts streams that pause between tokens, and the finding names that timeout", async () => {
    const url = await startStreamServer(true, 5);
    const scenario = resolveScenario({
        name: 'stream-pause',
        target: { url },
        workload: { kind: 'stream', maxTokens: TOKENS },
        load: { model: 'open', rate: 10, durationS: 1 },
        profiles: [
          // httpx's read timeout is per read: it bounds every gap.
          { name: 'httpx-read-400ms', preset: 'httpx', timeouts: { read: 400 } },
          // undici's headersTimeout ends at the headers; its bodyTimeout bounds the gaps.
          { name: 'undici-headers-400ms', preset: 'undici', timeouts: { read: 400 } },
          { name: 'undici-body-400ms', preset: 'undici', timeouts: { body: 400 } },
        ],
      });
    const report = await runScenario(scenario);
    const { withFindings } = await import('../../../src/report/index.js');
    const [httpx, undiciHeaders, undiciBody] = withFindings(report).profiles;
    const gapFinding = (p: typeof httpx) => p!.findings.find((f) => f.id === 'read-timeout-vs-token-gaps');
    expect({ requests: httpx!.requests, errors: httpx!.errors }).toMatchObject({ errors: { read_timeout: 10 } });
    expect(gapFinding(httpx)?.symptom).toBe('10 streams were cut by the timeouts.read timeout between tokens');
    expect(gapFinding(httpx)?.change?.settings).toMatchObject({ 'timeouts.read': expect.any(Number) });
    expect(undiciHeaders!.requests).toMatchObject({ total: 10, ok: 10 });
    expect(gapFinding(undiciHeaders)).toBeUndefined();
    expect({ requests: undiciBody!.requests, errors: undiciBody!.errors }).toMatchObject({ errors: { read_timeout: 10 } });
    expect(gapFinding(undiciBody)?.symptom).toBe('10 streams were cut by the timeouts.body timeout between tokens');
    expect(gapFinding(undiciBody)?.change?.settings).toMatchObject({ 'timeouts.body': expect.any(Number) });
    // Acted on: each cut profile rerun with its finding's change applied cuts no stream.
    const fixed = await runScenario({ ...scenario, profiles: [0, 2].map((i) => applyFixes(scenario.profiles[i]!, gapFinding(withFindings(report).profiles[i])!.change!.settings)) });
    for (const p of fixed.profiles) expect({ name: p.name, requests: p.requests }).toMatchObject({ requests: { total: 10, ok: 10 } });
    for (const p of fixed.profiles) expect(p.errors.read_timeout).toBeUndefined();
  });
});

/**
 * A chat stream as OpenAI and vLLM send one: a role-only first chunk, content chunks, a finish chunk with
 * an empty delta, a usage chunk with no choices, then [DONE]. The definitions differ exactly there.
 */
const ROLE_MS = 100;
const FINISH_GAP_MS = 50;
// Long enough that ending TPOT at the last chunk (vLLM) or at the last content (genai-perf) shows.
const USAGE_GAP_MS = 220;

/** When the chat server (in this process, on this clock) wrote the last stream's role-only chunk and first content. */
const written = { role: 0, content: 0 };

async function startChatServer(): Promise<string> {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const event = (o: unknown) => res.write(`data: ${JSON.stringify(o)}\n\n`);
      setTimeout(() => {
        written.role = performance.now();
        event({ choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] });
      }, ROLE_MS);
      let sent = 0;
      const token = () => {
        if (sent === 0) written.content = performance.now();
        event({ choices: [{ index: 0, delta: { content: `t${sent}` } }] });
        if (++sent < TOKENS) return void setTimeout(token, GAP_MS);
        setTimeout(() => {
          event({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
          setTimeout(() => {
            event({ choices: [], usage: { prompt_tokens: 5, completion_tokens: TOKENS, total_tokens: TOKENS + 5 } });
            res.end('data: [DONE]\n\n');
          }, USAGE_GAP_MS);
        }, FINISH_GAP_MS);
      };
      setTimeout(token, TTFT_MS);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const chatScenario = (url: string, metricDefinitions?: string) =>
  resolveScenario({
    name: 'definitions',
    target: { url },
    workload: { kind: 'stream', maxTokens: TOKENS },
    load: { model: 'open', rate: 20, durationS: 2 },
    profiles: [{ name: 'p', preset: 'openai-node' }],
    ...(metricDefinitions ? { metricDefinitions } : {}),
  });


describe('one stream parser, one definition per metric, and vLLM’s and genai-perf’s beside it', () => {
  it('keeps every definition: TTFT to the first content (tailgate, genai-perf) or the role-only chunk (vLLM); ITL per content gap, per chunk gap, or per token', async () => {
    const report = await runScenario(chatScenario(await startChatServer()));
    const p = report.profiles[0]!;
    expect(report.metricDefinitions).toBe('tailgate');
    expect(p.requests).toMatchObject({ total: 40, ok: 40 });
    const m = p.streamMetrics!;
    // tailgate: the first content; gaps between content chunks; (end − first content) / (tokens − 1).
    near(m.tailgate.ttftMs!.p50, TTFT_MS);
    expect(m.tailgate.itlMs!.count).toBe(40 * (TOKENS - 1));
    near(m.tailgate.itlMs!.p50, GAP_MS);
    near(m.tailgate.tpotMs!.p50, ((TOKENS - 1) * GAP_MS + FINISH_GAP_MS + USAGE_GAP_MS) / (TOKENS - 1));
    // vLLM: the role-only chunk is the first token; every later chunk with choices is a gap (the first
    // content's and the finish chunk's too); TPOT runs to the last chunk (usage).
    near(m.vllm.ttftMs!.p50, ROLE_MS);
    expect(m.vllm.itlMs!.count).toBe(40 * (TOKENS + 1));
    near(m.vllm.itlMs!.p50, GAP_MS);
    // One gap in 13 is the role-only chunk's to the first content (100 ms): the top 7.7% of vLLM's ITLs (the rest are 30 and 50 ms).
    expect(decodeHistogram(p.histograms['vllm.itl']).getValueAtPercentile(96) / 1000).toBeGreaterThanOrEqual(0.8 * (TTFT_MS - ROLE_MS));
    near(m.vllm.tpotMs!.p50, (TTFT_MS - ROLE_MS + (TOKENS - 1) * GAP_MS + FINISH_GAP_MS + USAGE_GAP_MS) / (TOKENS - 1));
    // genai-perf: chunks without content dropped; its ITL is one value per request, vLLM's TPOT over content.
    near(m['genai-perf'].ttftMs!.p50, TTFT_MS);
    expect(m['genai-perf'].itlMs!.count).toBe(40);
    near(m['genai-perf'].itlMs!.p50, GAP_MS);
    // The report's own columns are tailgate's, and the same histograms.
    expect(p.ttftMs).toEqual(m.tailgate.ttftMs);
    expect(p.itlMs).toEqual(m.tailgate.itlMs);
    expect(p.tokens).toMatchObject({ out: 40 * TOKENS, source: 'usage' });
    expect(definitionsTable(report)).toMatch(/p\s*│\s*vllm\s*│/);
  });

  it('metricDefinitions: vllm makes ttft, itl, tpot (and the gate on them) vLLM’s; a run flag does the same', async () => {
    const url = await startChatServer();
    const report = await runScenario(chatScenario(url, 'vllm'));
    const p = report.profiles[0]!;
    expect(report.metricDefinitions).toBe('vllm');
    near(p.ttftMs!.p50, ROLE_MS);
    expect(p.itlMs).toEqual(p.streamMetrics!.vllm.itlMs);
    expectVerdicts(runGate(report, { thresholds: ['ttft.p(50)<150ms'], maxRegression: [] }), ['pass']);
    const genai = await runScenario(chatScenario(url), { metricDefinitions: 'genai-perf' });
    expect(genai.metricDefinitions).toBe('genai-perf');
    expect(genai.profiles[0]!.itlMs!.count).toBe(40);
    expectVerdicts(runGate(genai, { thresholds: ['ttft.p(50)<150ms'], maxRegression: [] }), ['fail']);
    expect(() => chatScenario(url, 'vllm-ish')).toThrow(/metricDefinitions must be one of tailgate, vllm, genai-perf, got "vllm-ish"/);
    // Reports timed by different definitions are not gated against each other, nor merged.
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-definitions-'));
    await writeFile(join(dir, 'vllm.json'), JSON.stringify(report));
    await writeFile(join(dir, 'genai.json'), JSON.stringify(genai));
    const gate = await runMain(['gate', join(dir, 'genai.json'), '--baseline', join(dir, 'vllm.json'), '--max-regression', 'ttft.p(50)=10%']);
    expect(gate.code).toBe(2);
    expect(gate.stderr).toContain("the baseline times streams by vllm's definitions and this report by genai-perf's");
    expect(() => mergeReports([report, genai])).toThrow(/different definitions \(vllm, genai-perf\)/);
    // From the command line: the flag, and a value it does not know (exit 2, nothing sent).
    await writeFile(join(dir, 's.yaml'), `name: cli-definitions\nworkload: { kind: stream, maxTokens: ${TOKENS} }\nload: { model: open, rate: 10, durationS: 1 }\nprofiles: [{ name: p }]\n`);
    const cli = await runCli(['run', join(dir, 's.yaml'), '--target', url, '--metric-definitions', 'vllm', '--out', join(dir, 'out')]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/vllm \(shown above\)/);
    const written = (await readdir(join(dir, 'out'))).find((f) => f.endsWith('.json'));
    expect((JSON.parse(await readFile(join(dir, 'out', written!), 'utf8')) as Report).metricDefinitions).toBe('vllm');
    const bad = await runMain(['run', join(dir, 's.yaml'), '--target', url, '--metric-definitions', 'vllm2']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('vllm2');
  }, 60_000);

  it("the client's stream(): time to first token is to the first content, the first event timed apart", async () => {
    const client = new PerformanceClient({ baseUrl: await startChatServer(), env: {} });
    try {
      const handle = client.stream('/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }], stream: true });
      for await (const _ of handle);
      const done = await handle.done;
      // Both from the call, so the connect is in both: the role-only chunk came first, the content as
      // long after it as the server wrote it (its own clock: the same process's).
      expect(done.timeToFirstEventMs!).toBeGreaterThanOrEqual(ROLE_MS);
      near(done.timeToFirstTokenMs! - done.timeToFirstEventMs!, written.content - written.role);
      expect(done.events).toBe(TOKENS + 4);
    } finally {
      await client.close();
    }
  });
});

describe('the SSE parser', () => {
  const all = (chunks: (string | Buffer)[]) => {
    const parser = new SseParser();
    return chunks.flatMap((c) => parser.events(c));
  };

  it('reads events split anywhere: mid-line, mid-character, CR LF across chunks; joins data lines; skips comments', () => {
    const text = ': keep-alive\r\nevent: token\r\ndata: {"t":"é"}\r\n\r\ndata: a\ndata: b\n\ndata:[DONE]\r\r';
    const bytes = Buffer.from(text, 'utf8');
    const whole = all([text]);
    expect(whole).toEqual([
      { event: 'token', data: '{"t":"é"}' },
      { event: null, data: 'a\nb' },
      { event: null, data: '[DONE]' },
    ]);
    // Every split of the bytes, the two bytes of é and the CR LF pairs included, reads the same.
    for (let i = 1; i < bytes.length; i++) expect(all([bytes.subarray(0, i), bytes.subarray(i)])).toEqual(whole);
    expect(all([Buffer.from('data: unfinished')])).toEqual([]);
  });

  it('says what a chunk carries once: generation, content, usage', () => {
    expect(readChunk('[DONE]')).toBe(DONE);
    expect(readChunk('not json')).toBeNull();
    expect(readChunk('{"choices":[{"delta":{"role":"assistant","content":""}}]}')).toEqual({ generation: true, content: false, usageTokens: null });
    expect(readChunk('{"choices":[{"text":"hi"}]}')).toEqual({ generation: true, content: true, usageTokens: null });
    expect(readChunk('{"choices":[],"usage":{"completion_tokens":12}}')).toEqual({ generation: false, content: false, usageTokens: 12 });
    expect(readChunk('{"token":{"text":"x"}}')).toEqual({ generation: true, content: true, usageTokens: null });
  });
});
