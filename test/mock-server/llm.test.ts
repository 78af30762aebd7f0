/**
 * The mock as an LLM server: time to first token, inter-token gaps, prefill by prompt length, the cap on
 * concurrent sequences and the slowdown under concurrency, each read back over a real socket against the
 * server's own configuration (margins wide enough for a loaded two-core machine).
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultConfigError, resolveFaults, startMockServer, type MockServer } from '../../mock-server/index.js';
import { DEFAULT_LLM } from '../../mock-server/llm-config.js';
import { LlmDraws } from '../../mock-server/llm-draws.js';

interface Streamed {
  status: number;
  contentType: string | undefined;
  /** Every SSE data line, with when it arrived (ms after the request was sent). */
  events: { at: number; data: string }[];
  /** Arrival times of the chunks carrying content (a token each). */
  tokenAt: number[];
  /** The body when it was not a stream. */
  body: string;
  endedAt: number;
}

type Chunk = { choices?: { delta?: { content?: string }; text?: string; finish_reason?: string | null }[]; usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null };

function contentOf(data: string): string | undefined {
  if (data === '[DONE]') return undefined;
  const choice = (JSON.parse(data) as Chunk).choices?.[0];
  const content = choice?.delta?.content ?? choice?.text;
  return content ? content : undefined;
}

/** POST a JSON body on a fresh connection and read the answer, timing every SSE event as it arrives. */
function post(mock: MockServer, path: string, body: unknown, abortAfterTokens?: number): Promise<Streamed> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const out: Streamed = { status: 0, contentType: undefined, events: [], tokenAt: [], body: '', endedAt: 0 };
    let pending = '';
    const req = http.request(
      { host: mock.host, port: mock.port, path, method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': payload.length } },
      (res) => {
        out.status = res.statusCode ?? 0;
        out.contentType = res.headers['content-type'];
        res.setEncoding('utf8');
        res.on('data', (text: string) => {
          const at = performance.now() - t0;
          out.body += text;
          pending += text;
          let nl = pending.indexOf('\n');
          while (nl !== -1) {
            const line = pending.slice(0, nl).trim();
            pending = pending.slice(nl + 1);
            nl = pending.indexOf('\n');
            if (!line.startsWith('data:')) continue;
            const data = line.slice(5).trim();
            out.events.push({ at, data });
            if (contentOf(data) !== undefined) out.tokenAt.push(at);
          }
          if (abortAfterTokens !== undefined && out.tokenAt.length >= abortAfterTokens) {
            req.destroy();
            resolve(out);
          }
        });
        res.on('end', () => {
          out.endedAt = performance.now() - t0;
          resolve(out);
        });
        res.on('error', () => resolve(out));
      },
    );
    req.on('error', (err) => (abortAfterTokens !== undefined ? resolve(out) : reject(err)));
    const t0 = performance.now();
    req.end(payload);
  });
}

const chat = (maxTokens: number, extra: Record<string, unknown> = {}, content = 'hello there') => ({
  messages: [{ role: 'user', content }],
  max_tokens: maxTokens,
  stream: true,
  ...extra,
});

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

const gaps = (at: number[]) => at.slice(1).map((t, i) => t - (at[i] as number));

describe('the mock as an LLM server', () => {
  let mock: MockServer | undefined;
  afterEach(async () => {
    await mock?.close();
    mock = undefined;
  });

  it('streams max_tokens chunks: the first after ttft, the rest an itl apart, then finish, usage (asked for) and [DONE]', async () => {
    mock = await startMockServer({ faults: { llm: { ttft: { dist: 'fixed', ms: 200 }, itl: { dist: 'fixed', ms: 20 } } } });
    const s = await post(mock, '/v1/chat/completions', chat(30, { stream_options: { include_usage: true } }));
    expect(s.status).toBe(200);
    expect(s.contentType).toBe('text/event-stream');
    expect(s.tokenAt[0]).toBeGreaterThanOrEqual(200);
    expect(s.tokenAt[0]).toBeLessThan(400);
    expect(median(gaps(s.tokenAt))).toBeGreaterThanOrEqual(15);
    expect(median(gaps(s.tokenAt))).toBeLessThan(40);
    expect(s.tokenAt).toHaveLength(30);

    const data = s.events.map((e) => e.data);
    expect(data.at(-1)).toBe('[DONE]');
    const usage = JSON.parse(data.at(-2) as string) as Chunk;
    expect(usage.choices).toEqual([]);
    expect(usage.usage).toEqual({ prompt_tokens: 3, completion_tokens: 30, total_tokens: 33 });
    expect((JSON.parse(data.at(-3) as string) as Chunk).choices?.[0]?.finish_reason).toBe('length');
    // With usage asked for, every other chunk carries usage: null (OpenAI's rule).
    expect(data.slice(0, -2).every((d) => (JSON.parse(d) as Chunk).usage === null)).toBe(true);

    const stats = mock.stats();
    expect(stats.requests.tokensOut).toBe(30);
    expect(stats.requests.tokensIn).toBe(3);
    expect(stats.sequences).toMatchObject({ active: 0, queued: 0, maxActive: 1, completed: 1, abandoned: 0 });
  });

  it('completions stream choices[0].text; usage only when asked or configured; outputTokens ends early with "stop"; non-stream waits for the generation', async () => {
    mock = await startMockServer({ faults: { llm: { ttft: { dist: 'fixed', ms: 50 }, itl: { dist: 'fixed', ms: 10 }, outputTokens: 8, alwaysUsage: true } } });
    const early = await post(mock, '/v1/completions', { prompt: 'say something', max_tokens: 20, stream: true });
    expect(early.tokenAt).toHaveLength(8);
    const text = early.events.slice(0, 8).map((e) => contentOf(e.data)).join('');
    expect(text).toBe('tok0 tok1 tok2 tok3 tok4 tok5 tok6 tok7 ');
    const usage = JSON.parse(early.events.at(-2)!.data) as Chunk;
    expect(usage.usage?.completion_tokens).toBe(8);
    expect((JSON.parse(early.events.at(-3)!.data) as Chunk).choices?.[0]?.finish_reason).toBe('stop');

    mock.setFaults({ llm: { ttft: { dist: 'fixed', ms: 50 }, itl: { dist: 'fixed', ms: 10 } } });
    const plain = await post(mock, '/v1/completions', { prompt: 'say something', max_tokens: 5, stream: true });
    expect(plain.events.map((e) => e.data).filter((d) => d.includes('"usage"'))).toEqual([]);
    expect(plain.events).toHaveLength(5 + 2); // tokens, the finish chunk, [DONE]

    const whole = await post(mock, '/v1/chat/completions', chat(5, { stream: false }));
    expect(whole.endedAt).toBeGreaterThanOrEqual(50 + 4 * 10);
    const answer = JSON.parse(whole.body) as { choices: { message: { content: string }; finish_reason: string }[]; usage: { completion_tokens: number } };
    expect(answer.choices[0]).toMatchObject({ message: { content: 'tok0 tok1 tok2 tok3 tok4 ' }, finish_reason: 'length' });
    expect(answer.usage.completion_tokens).toBe(5);
    expect(mock.stats().requests.tokensOut).toBe(8 + 5 + 5);
  });

  it('prefill grows with the prompt: a 4k-token prompt comes about prefillMsPer1kTokens × 4 later than a 10-token one', async () => {
    const prefillMsPer1kTokens = 100;
    mock = await startMockServer({ faults: { llm: { ttft: { dist: 'fixed', ms: 50 }, itl: { dist: 'fixed', ms: 5 }, prefillMsPer1kTokens } } });
    const short = await post(mock, '/v1/chat/completions', chat(2, {}, 'x'.repeat(40)));
    const long = await post(mock, '/v1/chat/completions', chat(2, {}, 'x'.repeat(16_000)));
    const extra = (long.tokenAt[0] as number) - (short.tokenAt[0] as number);
    const expected = ((4000 - 10) / 1000) * prefillMsPer1kTokens; // 399 ms
    expect(extra).toBeGreaterThan(expected * 0.75);
    expect(extra).toBeLessThan(expected * 1.5);
    expect(mock.stats().requests.tokensIn).toBe(4010);
  });

  it('maxSequences: with 2, a 3rd concurrent request queues and its first token comes about one whole generation later', async () => {
    mock = await startMockServer({ faults: { llm: { ttft: { dist: 'fixed', ms: 100 }, itl: { dist: 'fixed', ms: 20 }, maxSequences: 2 } } });
    const generationMs = 100 + 9 * 20; // 280 ms for 10 tokens
    const runs = await Promise.all([0, 1, 2].map(() => post(mock!, '/v1/chat/completions', chat(10))));
    const ttft = runs.map((r) => r.tokenAt[0] as number).sort((a, b) => a - b);
    expect(ttft[1]).toBeLessThan(250);
    expect(ttft[2]).toBeGreaterThanOrEqual(generationMs + 100 - 50);
    expect(ttft[2]).toBeLessThan(generationMs + 100 + 300);
    expect(runs.every((r) => r.tokenAt.length === 10)).toBe(true);
    expect(mock.stats().sequences).toMatchObject({ maxActive: 2, maxQueued: 1, completed: 3 });
  });

  it('per-sequence slowdown: with 3 sequences and slowdownPerSequence 0.5, tokens come twice as far apart', async () => {
    mock = await startMockServer({ faults: { llm: { ttft: { dist: 'fixed', ms: 20 }, itl: { dist: 'fixed', ms: 20 }, slowdownPerSequence: 0.5 } } });
    const alone = median(gaps((await post(mock, '/v1/chat/completions', chat(25))).tokenAt));
    const together = await Promise.all([0, 1, 2].map(() => post(mock!, '/v1/chat/completions', chat(25))));
    const crowded = median(together.flatMap((r) => gaps(r.tokenAt)));
    // 20 ms alone; 20 × (1 + 0.5 × 2) = 40 ms with three running.
    expect(alone).toBeGreaterThanOrEqual(15);
    expect(alone).toBeLessThan(32);
    expect(crowded).toBeGreaterThanOrEqual(32);
    expect(crowded).toBeLessThan(60);
    expect(crowded / alone).toBeGreaterThan(1.5);
    expect(mock.stats().requests.tokensOut).toBe(100);
  });

  it('a client that goes away frees its sequence at once: the next in the queue starts', async () => {
    mock = await startMockServer({ faults: { llm: { ttft: { dist: 'fixed', ms: 50 }, itl: { dist: 'fixed', ms: 50 }, maxSequences: 1 } } });
    const first = post(mock, '/v1/chat/completions', chat(100), 2); // 5 s of tokens, left after 2
    await new Promise((r) => setTimeout(r, 20));
    const second = await post(mock, '/v1/chat/completions', chat(3));
    expect((await first).tokenAt).toHaveLength(2);
    expect(second.tokenAt).toHaveLength(3);
    expect(second.endedAt).toBeLessThan(1500);
    const stats = mock.stats();
    expect(stats.sequences).toMatchObject({ completed: 1, abandoned: 1, active: 0 });
    expect(stats.requests.tokensOut).toBeLessThanOrEqual(3 + 3);
  });

  it('an invalid llm section is refused naming every field, and a running server keeps its faults', async () => {
    const bad = { llm: { ttft: { dist: 'fixed' }, itl: { dist: 'gamma' }, maxSequences: 0, slowdownPerSequence: -1, prefillMsPer1kTokens: 'a lot', alwaysUsage: 'yes', tokens: 3 } };
    const err = (() => {
      try {
        resolveFaults(bad);
      } catch (e) {
        return e;
      }
    })() as FaultConfigError;
    expect(err).toBeInstanceOf(FaultConfigError);
    expect(err.problems).toEqual([
      'llm.ttft.ms is required for dist fixed',
      'llm.itl.dist must be one of fixed, uniform, normal, lognormal, pareto, bimodal, hdr, got "gamma"',
      'llm.maxSequences must be an integer in 1..1000000 or null, got 0',
      'llm.slowdownPerSequence must be a number in 0..100, got -1',
      'llm.prefillMsPer1kTokens must be a number in 0..3600000, got "a lot"',
      'llm.alwaysUsage must be true or false, got "yes"',
      expect.stringMatching(/^llm\.tokens is not a known field/),
    ]);
    expect(() => resolveFaults({ llm: 5 })).toThrow(/llm must be an object, got 5/);
    expect(() => resolveFaults({ llm: { itl: { dist: 'uniform', minMs: 30, maxMs: 10 } } })).toThrow(/llm\.itl\.maxMs must be >= minMs/);

    mock = await startMockServer({ faults: { llm: { maxSequences: 4 } } });
    expect(() => mock!.setFaults(bad)).toThrow(FaultConfigError);
    expect(mock.faults().llm).toEqual({ ...DEFAULT_LLM, maxSequences: 4 });
    // A resolved config goes back in as it came out.
    expect(resolveFaults(mock.faults()).llm).toEqual(mock.faults().llm);
  });

  it('the draws are seeded: the same seed gives each sequence the same times, another seed others', () => {
    const llm = { ...DEFAULT_LLM, ttft: { dist: 'lognormal' as const, medianMs: 200, p99Ms: 2000 }, itl: { dist: 'uniform' as const, minMs: 10, maxMs: 40 } };
    const draw = (seed: number) => {
      const draws = new LlmDraws(llm, seed);
      return Array.from({ length: 5 }, () => {
        const t = draws.plan(100, 5);
        return [t.ttftMs, t.nextItlMs(), t.nextItlMs()];
      });
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
    // Null ttft and itl are the server's token interval.
    const legacy = new LlmDraws(DEFAULT_LLM, 1).plan(100, 5);
    expect([legacy.prefillMs, legacy.ttftMs, legacy.nextItlMs()]).toEqual([0, 5, 5]);
  });
});
