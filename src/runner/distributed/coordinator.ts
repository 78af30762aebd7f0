/**
 * The coordinator of a distributed run (`tailgate coordinate`, `run --workers`): the barrier (every shard
 * checks in; each step starts for all of them at one time a little ahead, in this process's clock), the
 * watch (a shard silent for shardTimeoutMs is named missing and the run goes on without it) and the
 * collector (shards post their reports). Merging and gating are the report layer's: done() hands over
 * what was collected.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Progress } from '../run/run-options.js';
import type { Report } from '../../report/contract/report.js';
import { problemsOf } from '../../util/schema.js';
import { clockMs, COORDINATOR_PATHS, COORDINATOR_TOKEN_ENV, MESSAGES, stepKey, type BarrierRequest, type CheckIn, type FailPost, type Heartbeat, type Refusal, type ReportPost, type Step } from './protocol.js';
import { Roster, type ShardEntry } from './roster.js';

export interface CoordinatorOptions {
  shards: number;
  host?: string;
  /** 0: any free port. */
  port?: number;
  /** Shards that have not checked in this long after the start are missing. */
  checkInTimeoutMs: number;
  /** A shard silent this long (no heartbeat) is missing. */
  shardTimeoutMs: number;
  /** How far ahead of the release a step starts: long enough for the answer to reach every shard. */
  leadMs: number;
  /** When set, every request must carry it (`authorization: Bearer <token>`). */
  token?: string;
  /** Before a step is released: a shared mock is reset here (workers). */
  beforeStep?: (step: Step, previous: Step | null) => Promise<void>;
  onProgress?: (progress: Progress[]) => void;
  log?: (line: string) => void;
}

export interface ShardOutcome {
  index: number;
  status: 'reported' | 'failed' | 'missing';
  detail: string | null;
  startSkewMs: number | null;
  clockRttMs: number | null;
}

export interface CoordinatedRun {
  shards: number;
  /** In shard order: the reports of the outcomes with status 'reported'. */
  reports: Report[];
  outcomes: ShardOutcome[];
}

/** Reports can be large (a histogram per second per timing); anything bigger is not one. */
const MAX_BODY_BYTES = 512 * 1024 * 1024;
const WATCH_EVERY_MS = 500;

export class Coordinator {
  private readonly roster: Roster;
  private readonly server = http.createServer((req, res) => void this.handle(req, res));
  private readonly startedMs = clockMs();
  private readonly progress = new Map<number, Progress>();
  private watch: NodeJS.Timeout | null = null;
  private releasing = false;
  private finish!: (run: CoordinatedRun) => void;
  private readonly finished = new Promise<CoordinatedRun>((resolve) => (this.finish = resolve));
  url = '';

  private constructor(private readonly options: CoordinatorOptions) {
    this.roster = new Roster(options.shards, this.startedMs);
  }

  static async start(options: CoordinatorOptions): Promise<Coordinator> {
    const c = new Coordinator(options);
    await new Promise<void>((resolve, reject) => {
      c.server.once('error', reject);
      c.server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    const { address, port } = c.server.address() as AddressInfo;
    c.url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
    c.watch = setInterval(() => c.check(), WATCH_EVERY_MS);
    return c;
  }

  /** The step released last (the profile a shared mock's counts now belong to). */
  get lastStep(): Step | null {
    return this.roster.lastStep;
  }

  /** Resolves when every shard has reported, failed or gone missing. */
  done(): Promise<CoordinatedRun> {
    return this.finished;
  }

  /** A shard is known to be gone (its worker process exited before it reported). */
  giveUp(index: number, detail: string): void {
    const e = this.roster.entry(index);
    if (e) this.roster.giveUp(e, 'failed', detail);
    this.check();
  }

  async close(): Promise<void> {
    if (this.watch) clearInterval(this.watch);
    for (const e of this.roster.entries) this.roster.giveUp(e, 'missing', 'the coordinator was stopped before it reported');
    this.end();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  /** Give up on the silent, release a step all live shards wait at, and finish when nobody is left. */
  private check(): void {
    const now = clockMs();
    for (const e of this.roster.entries) {
      if (e.status === 'expected' && now - this.startedMs > this.options.checkInTimeoutMs) this.lose(e, 'missing', `never checked in (waited ${Math.round(this.options.checkInTimeoutMs / 1000)} s)`);
      else if (e.status === 'active' && now - e.lastSeenMs > this.options.shardTimeoutMs) this.lose(e, 'missing', `no word from it for ${Math.round((now - e.lastSeenMs) / 1000)} s`);
    }
    void this.releaseReady();
    if (this.roster.finished()) this.end();
  }

  private lose(e: ShardEntry, status: 'failed' | 'missing', detail: string): void {
    this.roster.giveUp(e, status, detail);
    this.log(`shard ${e.index}/${this.roster.count} ${status}: ${detail}; the run goes on without it`);
  }

  private async releaseReady(): Promise<void> {
    if (this.releasing) return;
    const ready = this.roster.readyStep();
    if (ready === null) return;
    const { key, step } = ready;
    this.releasing = true;
    try {
      try {
        await this.options.beforeStep?.(step, this.roster.lastStep);
      } catch (err) {
        for (const e of this.roster.live()) this.lose(e, 'failed', `the step could not be prepared: ${(err as Error).message}`);
        return;
      }
      const startAtMs = clockMs() + this.options.leadMs;
      this.roster.markReleased(key, step);
      const waiting = this.roster.live().filter((e) => e.waiting?.key === key);
      for (const e of waiting) {
        e.waiting?.answer({ startAtMs });
        e.waiting = null;
      }
      this.log(`${step.phase === 'warmup' ? 'warm-up of' : 'run of'} ${step.profile}: ${waiting.length} shard(s) start in ${(this.options.leadMs / 1000).toFixed(1)} s`);
    } finally {
      this.releasing = false;
    }
  }

  private end(): void {
    if (this.watch) clearInterval(this.watch);
    this.watch = null;
    const entries = this.roster.entries;
    this.finish({
      shards: this.roster.count,
      reports: entries.filter((e) => e.report !== null).map((e) => e.report as Report),
      outcomes: entries.map((e) => ({ index: e.index, status: e.status === 'reported' ? 'reported' : e.status === 'failed' ? 'failed' : 'missing', detail: e.detail, startSkewMs: e.startSkewMs, clockRttMs: e.clockRttMs })),
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const send = (status: number, body: unknown) => {
      if (res.writableEnded) return;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const path = (req.url ?? '').split('?')[0];
    if (this.options.token && !sameSecret(req.headers.authorization ?? '', `Bearer ${this.options.token}`)) {
      return send(401, { error: `this coordinator needs the shared token (${COORDINATOR_TOKEN_ENV}); the request had none or another` });
    }
    if (req.method === 'GET' && path === COORDINATOR_PATHS.clock) return send(200, { nowMs: clockMs() });
    if (req.method !== 'POST') return send(404, { error: `no ${req.method} ${path} here` });
    let body: unknown;
    try {
      body = JSON.parse((await readBody(req)).toString('utf8'));
    } catch (err) {
      return send(400, { error: `the body is not JSON: ${(err as Error).message}` });
    }
    const schema = MESSAGES[path ?? ''];
    if (!schema) return send(404, { error: `no POST ${path} here` });
    const malformed = problemsOf(schema, body);
    if (malformed.length > 0) return send(400, { error: malformed.join('; ') });
    const answer = this.answer(path ?? '', body, (reply) => send('error' in reply ? 409 : 200, reply));
    if (answer) send('error' in answer ? 409 : 200, answer);
    else {
      // A shard waiting at the barrier whose connection drops has died: no need to wait for its silence.
      const e = this.roster.entry((body as BarrierRequest).shard.index) as ShardEntry;
      res.once('close', () => {
        if (!res.writableEnded && e.waiting) {
          this.lose(e, 'missing', 'its connection closed while it waited to start');
          this.check();
        }
      });
    }
    this.check();
  }

  /** A reply now, or null when `later` will give it (a barrier). */
  private answer(path: string, body: unknown, later: (reply: { startAtMs: number } | Refusal) => void): object | null {
    const { shard } = body as BarrierRequest; // checked against its message's declaration
    const refusal = this.roster.refusal(shard, path === COORDINATOR_PATHS.checkIn ? (body as CheckIn) : undefined);
    if (refusal) return { error: refusal };
    const e = this.roster.entry(shard.index) as ShardEntry;
    e.lastSeenMs = clockMs();
    switch (path) {
      case COORDINATOR_PATHS.checkIn: {
        const checkIn = body as CheckIn;
        this.roster.first ??= checkIn;
        if (e.status === 'expected') this.log(`shard ${shard.index}/${shard.count} checked in (scenario ${checkIn.scenario.name})`);
        e.status = 'active';
        e.instance = shard.instance;
        return { ok: true };
      }
      case COORDINATOR_PATHS.barrier: {
        const { step } = body as BarrierRequest;
        if (this.roster.wasReleased(step)) return { error: `step ${step.phase} of ${step.profile} has already started without shard ${shard.index}` };
        e.waiting = { key: stepKey(step), step: { profile: step.profile, phase: step.phase }, answer: later };
        return null;
      }
      case COORDINATOR_PATHS.heartbeat: {
        const { progress } = body as Heartbeat;
        if (progress) this.progress.set(shard.index, progress);
        this.options.onProgress?.([...this.progress.values()]);
        return { ok: true };
      }
      case COORDINATOR_PATHS.report: {
        const post = body as ReportPost;
        if ((post.report as Partial<Report>).scenario?.hash !== this.roster.first?.scenario.hash) return { error: 'this report is of another scenario' };
        e.report = post.report;
        e.startSkewMs = post.startSkewMs;
        e.clockRttMs = post.clockRttMs;
        e.status = 'reported';
        e.waiting = null;
        this.progress.delete(shard.index);
        this.log(`shard ${shard.index}/${shard.count} reported${post.report.partial ? ' (partial: it was stopped)' : ''}`);
        return { ok: true };
      }
      case COORDINATOR_PATHS.fail: {
        this.lose(e, 'failed', (body as FailPost).error);
        return { ok: true };
      }
      default:
        return { error: `no POST ${path} here` };
    }
  }
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) req.destroy(new Error(`over ${MAX_BODY_BYTES} bytes`));
      else chunks.push(c);
    });
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/** Compared in constant time (of their hashes, so lengths do not show either). */
function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
