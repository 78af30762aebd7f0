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
import { MAX_INPUT_BYTES, safeText, type Report } from '../../report/index.js';
import { problemsOf } from '../../util/schema.js';
import { clockMs, COORDINATOR_PATHS, COORDINATOR_TOKEN_ENV, MESSAGES, stepKey, type BarrierRequest, type CheckIn, type FailPost, type Heartbeat, type Refusal, type ReportPost, type Step } from './protocol.js';
import { Roster, type ShardEntry } from './roster.js';
import { newRunId } from '../run/live.js';

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
  /** The run's id, told to every shard at check-in (default: a new one). */
  runId?: string;
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

/** A report posted is held to the size a report read from a file is (a histogram per second per timing fits many times over). */
const MAX_REPORT_BYTES = MAX_INPUT_BYTES;
/** Every other message (check-in, barrier, heartbeat, failure) is a few hundred bytes. */
const MAX_MESSAGE_BYTES = 64 * 1024;
/** A shard's start, or its report's, may lie this much further from the barrier than its lead and round trip allow. */
const START_TOLERANCE_MS = 1_000;
const WATCH_EVERY_MS = 500;

export class Coordinator {
  private readonly roster: Roster;
  // A slow or stalled peer cannot hold a connection: headers within 10 s, a whole request (a report) within 2 min.
  private readonly server = http.createServer({ headersTimeout: 10_000, requestTimeout: 120_000 }, (req, res) => void this.handle(req, res));
  private readonly startedMs = clockMs();
  private readonly progress = new Map<number, Progress>();
  private watch: NodeJS.Timeout | null = null;
  private releasing = false;
  private finish!: (run: CoordinatedRun) => void;
  private readonly finished = new Promise<CoordinatedRun>((resolve) => (this.finish = resolve));
  url = '';
  /** The run's id: every shard labels its live series and its report with it. */
  readonly runId: string;

  private constructor(private readonly options: CoordinatorOptions) {
    this.roster = new Roster(options.shards, this.startedMs);
    this.runId = options.runId ?? newRunId();
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
      this.roster.markReleased(key, step, startAtMs);
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
    // Bounded before anything is buffered: by the length declared, and while the body streams in.
    const limit = path === COORDINATOR_PATHS.report ? MAX_REPORT_BYTES : MAX_MESSAGE_BYTES;
    const declared = Number(req.headers['content-length'] ?? 0);
    const tooLarge = () => {
      res.setHeader('connection', 'close');
      send(413, { error: `the body is over ${limit} bytes, the most a ${path === COORDINATOR_PATHS.report ? 'report' : 'message'} may be` });
    };
    if (declared > limit) return tooLarge();
    let body: unknown;
    try {
      const raw = await readBody(req, limit);
      if (raw === null) return tooLarge();
      body = JSON.parse(raw.toString('utf8'));
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

  /**
   * Why a posted report cannot be placed by the barrier's clock, or null: a shard that began further from
   * a step's start than its lead and round trip allow (its clock is wrong), or whose report says a profile
   * began elsewhere than at its barrier (a forged or corrupted report). Its rows would land on the wrong
   * seconds, and its times could make a merge pad a gap of years.
   */
  private untimely(post: ReportPost): string | null {
    const allowed = this.options.leadMs + (post.clockRttMs ?? 0) + START_TOLERANCE_MS;
    if (post.startSkewMs !== null && Math.abs(post.startSkewMs) > allowed) {
      return `it began ${Math.round(post.startSkewMs)} ms from its step's start, more than the lead (${this.options.leadMs} ms), its clock's round trip and ${START_TOLERANCE_MS} ms allow`;
    }
    const profiles = Array.isArray(post.report.profiles) ? post.report.profiles : [];
    for (const p of profiles) {
      const barrier = this.roster.stepStart({ profile: String(p?.name), phase: 'run' });
      const began = typeof p?.startedAt === 'string' ? Date.parse(p.startedAt) : NaN;
      if (barrier === null) return `its report has a profile "${safeText(String(p?.name))}" that no step of this run started`;
      if (!Number.isFinite(began) || Math.abs(began - barrier) > START_TOLERANCE_MS) {
        return `its report says profile "${safeText(String(p?.name))}" began ${Number.isFinite(began) ? `${Math.round((began - barrier) / 1000)} s from` : 'at no readable time, not at'} the barrier's start: its clock or its report cannot be trusted`;
      }
    }
    return null;
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
        return { ok: true, runId: this.runId };
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
        const untimely = this.untimely(post);
        if (untimely) {
          this.lose(e, 'failed', untimely);
          return { error: `shard ${shard.index}/${shard.count} refused: ${untimely}` };
        }
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

/** The body, or null once it passes `limit` bytes (what came is dropped, the rest is not read). */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size <= limit) return void chunks.push(c);
      req.off('data', onData);
      req.pause();
      chunks.length = 0;
      resolve(null);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/** Compared in constant time (of their hashes, so lengths do not show either). */
function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
