/**
 * A shard's side of a coordinated run: find the coordinator (it may start after us: pods start in any
 * order), measure the clock offset from round trips (NTP's rule: the sample with the shortest round
 * trip, offset = their clock - the midpoint of ours), check in, wait at each step's barrier and begin
 * at its start time converted to our clock, send heartbeats, and post the report.
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';
import { InvalidInputError, TargetUnreachableError, redactUrl } from '../../engine/index.js';
import { sleep } from '../../util/index.js';
import type { Progress } from '../run/run-options.js';
import type { Report } from '../../report/contract/report.js';
import type { Shard } from '../load/shard.js';
import { clockMs, COORDINATOR_PATHS, type BarrierReply, type CheckIn, type ShardId, type Step } from './protocol.js';

const CLOCK_SAMPLES = 8;
const HEARTBEAT_EVERY_MS = 2_000;
/** How long a shard looks for its coordinator before it gives up (a pod may wait for DNS and a peer). */
export const DEFAULT_JOIN_TIMEOUT_MS = 120_000;

export class CoordinatorLostError extends TargetUnreachableError {}

export class ShardSession {
  readonly id: ShardId;
  /** coordinator clock = our clock + offsetMs */
  private offsetMs = 0;
  rttMs = Infinity;
  /** The largest |start - step start| of our steps, signed. */
  startSkewMs: number | null = null;
  /** The run's id, as the coordinator issued it at check-in (older coordinators issue none). */
  runId: string | undefined;
  private progress: Progress | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  // Barrier answers come when every shard is in: no timeout of undici's may cut them short.
  private readonly agent = new Agent({ headersTimeout: 0, bodyTimeout: 0, connections: 4 });

  private readonly headers: Record<string, string>;

  constructor(private readonly base: string, shard: Shard, token?: string) {
    this.id = { index: shard.index, count: shard.count, instance: randomUUID() };
    this.headers = token ? { authorization: `Bearer ${token}` } : {};
  }

  /** Find the coordinator, set our clock by it, check in, and start the heartbeat. */
  async join(checkIn: Omit<CheckIn, 'shard'>, timeoutMs = DEFAULT_JOIN_TIMEOUT_MS, signal?: AbortSignal): Promise<void> {
    const giveUpAt = clockMs() + timeoutMs;
    for (;;) {
      try {
        await this.measureClock();
        break;
      } catch (err) {
        if (err instanceof InvalidInputError) throw err;
        if (signal?.aborted || clockMs() > giveUpAt) throw new CoordinatorLostError(`cannot reach the coordinator at ${redactUrl(this.base)} (tried for ${Math.round(timeoutMs / 1000)} s): ${(err as Error).message}`);
        await sleep(1_000);
      }
    }
    const reply = await this.post<{ runId?: unknown }>(COORDINATOR_PATHS.checkIn, { ...checkIn, shard: this.id });
    if (typeof reply.runId === 'string') this.runId = reply.runId;
    this.heartbeat = setInterval(() => void this.post(COORDINATOR_PATHS.heartbeat, { shard: this.id, progress: this.progress }).catch(() => {}), HEARTBEAT_EVERY_MS);
    this.heartbeat.unref();
  }

  private async measureClock(): Promise<void> {
    for (let i = 0; i < CLOCK_SAMPLES; i++) {
      const sent = clockMs();
      const res = await request(`${this.base}${COORDINATOR_PATHS.clock}`, { dispatcher: this.agent, headers: this.headers, headersTimeout: 5_000, bodyTimeout: 5_000 });
      const { nowMs, error } = (await res.body.json()) as { nowMs: number; error?: string };
      if (res.statusCode === 401) throw new InvalidInputError('--coordinator', [error ?? 'the coordinator refused this shard']);
      const received = clockMs();
      if (received - sent < this.rttMs) {
        this.rttMs = received - sent;
        this.offsetMs = nowMs - (sent + received) / 2;
      }
    }
  }

  /** What the coordinator reads as this shard's live progress. */
  setProgress(p: Progress): void {
    this.progress = p;
  }

  /**
   * Wait until every shard is at this step, then until its start time; resolves with that time in the
   * coordinator's clock (epoch ms), or null early on `signal`.
   */
  async sync(step: Step, signal?: AbortSignal): Promise<number | null> {
    if (signal?.aborted) return null;
    const wait = this.post<BarrierReply>(COORDINATOR_PATHS.barrier, { shard: this.id, step });
    const stopped = signal ? new Promise<null>((resolve) => signal.addEventListener('abort', () => resolve(null), { once: true })) : null;
    const reply = await (stopped ? Promise.race([wait, stopped]) : wait);
    if (reply === null) {
      wait.catch(() => {});
      return null;
    }
    const localStart = reply.startAtMs - this.offsetMs;
    const ahead = localStart - clockMs();
    if (ahead > 0) await sleep(ahead, signal).catch(() => {});
    if (signal?.aborted) return null;
    const skew = clockMs() + this.offsetMs - reply.startAtMs;
    if (this.startSkewMs === null || Math.abs(skew) > Math.abs(this.startSkewMs)) this.startSkewMs = Math.round(skew * 10) / 10;
    return reply.startAtMs;
  }

  async postReport(report: Report): Promise<void> {
    await this.post(COORDINATOR_PATHS.report, { shard: this.id, report, startSkewMs: this.startSkewMs, clockRttMs: Math.round(this.rttMs * 10) / 10 });
  }

  /** Tell the coordinator this shard cannot go on (best effort: it may be the coordinator that is gone). */
  async fail(error: string): Promise<void> {
    await this.post(COORDINATOR_PATHS.fail, { shard: this.id, error }).catch(() => {});
  }

  async close(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.agent.close();
  }

  private async post<T = unknown>(path: string, body: object): Promise<T> {
    let res;
    try {
      res = await request(`${this.base}${path}`, { method: 'POST', dispatcher: this.agent, headers: { ...this.headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    } catch (err) {
      throw new CoordinatorLostError(`lost the coordinator at ${redactUrl(this.base)}: ${(err as Error).message}`);
    }
    const reply = (await res.body.json()) as T & { error?: string };
    if (res.statusCode === 409 || res.statusCode === 401) throw new InvalidInputError('--shard', [reply.error ?? 'the coordinator refused this shard']);
    if (res.statusCode !== 200) throw new CoordinatorLostError(`the coordinator answered ${res.statusCode}: ${reply.error ?? ''}`);
    return reply;
  }
}
