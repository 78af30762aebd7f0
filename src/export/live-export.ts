/**
 * A live export: the latest series of each source (a profile of a shard, pushed once a second as its
 * second closes; or a server's counts, read when needed), pushed to every `--export` target once a second
 * and served to scrapes of `--metrics-port`. Nothing here is on a run's path: samples are stored, and the
 * network is left to the push queues. close() pushes a final snapshot, waits a bounded time for it, and
 * keeps the scrape endpoint up for the linger.
 */
import { InvalidInputError } from '../engine/index.js';
import type { LiveRun, LiveSample } from '../metrics/index.js';
import { sleep } from '../util/index.js';
import type { Family } from './families.js';
import type { ExportTarget, LiveExportConfig } from './export-targets.js';
import { PushQueue, PUSH_TIMEOUT_MS, type Pusher } from './push-queue.js';
import { runFamilies } from './run-families.js';
import { startScrapeServer, type ScrapeServer } from './scrape-server.js';
import type { Snapshot, Source } from './snapshot.js';

/** Remote write's resolution. */
export const PUSH_EVERY_MS = 1_000;

export interface ExportIo {
  /** A line for the person watching (where the endpoint is, the linger). */
  info(line: string): void;
  /** A problem that does not stop anything (an endpoint that cannot be reached). */
  warn(line: string): void;
}

/** Loaded only when asked for: OpenTelemetry's exporter and the protobuf encoder would slow every command's start. */
async function pusherFor(t: ExportTarget): Promise<Pusher> {
  if (t.kind === 'otlp') return new (await import('./otlp.js')).OtlpPusher(t.url);
  return new (await import('./remote-write-pusher.js')).RemoteWritePusher(t.url, t.kind === 'prometheus-native');
}

export class LiveExport {
  private readonly sources = new Map<string, Source | (() => Source)>();
  private readonly queues: PushQueue[];
  private readonly timer: NodeJS.Timeout | null;
  private closed = false;

  private constructor(
    private readonly config: LiveExportConfig,
    private readonly io: ExportIo,
    private readonly scrape: ScrapeServer | null,
    pushers: Pusher[],
  ) {
    this.queues = pushers.map((p) => new PushQueue(p, io.warn));
    this.timer = this.queues.length ? setInterval(() => this.push(), PUSH_EVERY_MS) : null;
    this.timer?.unref();
  }

  /** Starts the scrape endpoint (if asked): a port that cannot be had is invalid input, before anything is sent. */
  static async start(config: LiveExportConfig, io: ExportIo): Promise<LiveExport> {
    const pushers = await Promise.all(config.targets.map(pusherFor));
    let scrape: ScrapeServer | null = null;
    if (config.listen) {
      const { host, port } = config.listen;
      scrape = await startScrapeServer(host, port, () => live.families()).catch(async (err: NodeJS.ErrnoException) => {
        await Promise.all(pushers.map((p) => p.close().catch(() => {})));
        throw new InvalidInputError('--metrics-port', [`cannot listen on ${host}:${port}: ${err.code ?? err.message}`]);
      });
      io.info(`metrics: ${scrape.url} (Prometheus scrape endpoint)`);
    }
    const live: LiveExport = new LiveExport(config, io, scrape, pushers);
    for (const q of live.queues) io.info(`exporting to ${q.pusher.label}`);
    return live;
  }

  /** A run's sample (RunOptions.live's onSample): the latest of its profile and shard replaces the one before. */
  readonly onSample = (run: LiveRun, sample: LiveSample): void => {
    this.sources.set(JSON.stringify([run.runId, run.shard, run.profile]), { startMs: run.startMs, families: runFamilies(run, sample) });
  };

  /** A source read when needed (a server's own counts). */
  addSource(key: string, read: () => Source): void {
    this.sources.set(key, read);
  }

  families(): Family[] {
    return this.snapshot().sources.flatMap((s) => s.families);
  }

  private snapshot(): Snapshot {
    return { atMs: Date.now(), sources: [...this.sources.values()].map((s) => (typeof s === 'function' ? s() : s)) };
  }

  private push(): void {
    if (this.sources.size === 0) return;
    const s = this.snapshot();
    for (const q of this.queues) q.offer(s);
  }

  /**
   * After the run: the final snapshot pushed (waited for at most `PUSH_TIMEOUT_MS`), failures counted in one
   * line, and the scrape endpoint kept up for the linger (cut short by `signal`).
   */
  async close(signal?: AbortSignal): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    // Whatever goes wrong here, the run's report is written already and its exit code stands.
    await this.finish(signal).catch((err: unknown) => this.io.warn(`tailgate: live export did not close cleanly: ${(err as Error).message}`));
  }

  private async finish(signal?: AbortSignal): Promise<void> {
    this.push();
    const deadline = performance.now() + PUSH_TIMEOUT_MS;
    await Promise.all(this.queues.map((q) => q.flush(deadline)));
    for (const q of this.queues) if (q.failures) this.io.warn(`export to ${q.pusher.label}: ${q.failures} of ${q.pushes} pushes failed`);
    // A push still hanging at the deadline is given up, not waited for again by its client's shutdown.
    const left = Math.max(0, deadline - performance.now());
    await Promise.race([Promise.all(this.queues.map((q) => q.pusher.close().catch(() => {}))), sleep(left)]);
    if (!this.scrape) return;
    // Lingers only with something to scrape (not after a run that measured nothing).
    if (this.config.lingerMs > 0 && this.sources.size > 0 && !signal?.aborted) {
      this.io.info(`metrics stay up at ${this.scrape.url} for ${this.config.lingerMs / 1000} s (--metrics-linger; Ctrl+C ends it)`);
      await sleep(this.config.lingerMs, signal).catch(() => {});
    }
    await this.scrape.close();
  }
}
