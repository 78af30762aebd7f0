/** Opt-in: the rate at which the server starts answering 429, never above the cap. */
import type { TailgateError } from '../engine/index.js';
import { sleep } from '../util/index.js';
import { ProbeClient } from './probe-client.js';
import { answerDeadlineMs, type ProbeResult, type Step } from './types.js';

/** Double the rate each second until 429s appear, then hold it: the accepted rate once the burst is spent is the limit. */
export async function findRateLimit(s: Step): Promise<ProbeResult['rateLimit']> {
  const { req, options } = s;
  // Concurrent requests: its engine is used directly (answers are still counted by status).
  const client = new ProbeClient(s, { pool: { connections: 256, keepAliveMs: 60_000 }, timeouts: { read: 10_000 } });
  const engine = client.engine;
  let retryAfter: string | null = null;
  const stage = async (rate: number, seconds: number) => {
    const perSecond: { ok: number; limited: number }[] = Array.from({ length: Math.ceil(seconds) }, () => ({ ok: 0, limited: 0 }));
    const start = performance.now();
    const pending: Promise<void>[] = [];
    const total = Math.round(rate * seconds);
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const bucket = perSecond[Math.min(perSecond.length - 1, Math.floor((due - start) / 1000))]!;
      pending.push(
        engine.attempt({ ...req, attemptTimeoutMs: answerDeadlineMs(s) }).then(
          () => void bucket.ok++,
          (err: TailgateError) => {
            if (err.status === 429) {
              bucket.limited++;
              retryAfter ??= err.headers?.['retry-after'] ?? null;
            }
          },
        ),
      );
    }
    await Promise.all(pending);
    return perSecond;
  };
  try {
    let rate = 5;
    while (rate <= options.maxRate) {
      const seconds = await stage(rate, 1);
      if (seconds.some((s) => s.limited > 0)) {
        const held = await stage(rate, 3);
        const sustained = held.slice(1).reduce((a, s) => a + s.ok, 0) / (held.length - 1);
        return { startsAtRps: Math.round(sustained * 10) / 10, firstLimitedStageRps: rate, retryAfter };
      }
      if (rate === options.maxRate) break;
      rate = Math.min(options.maxRate, rate * 2);
    }
    return { startsAtRps: null, firstLimitedStageRps: null, retryAfter: null };
  } finally {
    await client.close();
  }
}

