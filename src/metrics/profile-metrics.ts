/**
 * Everything measured for one profile's run, as it happens. It is the engine's observer (attempts,
 * sockets, budget decisions) and the runner's sink for logical requests; snapshot() gives the
 * MeasuredProfile a report carries. Memory stays flat: HDR histograms, counters, one small row per second.
 */
import type { AttemptRecord, EngineObserver, PolicyEvent, SocketInfo } from '../engine/index.js';
import { createHistogram, encodeHistogram, percentileUs, recordMs, summarize, type Histogram } from './histogram.js';
import { IntervalRecorder } from './intervals.js';
import { LoopProbe } from './loop-probe.js';
import { DEFINITION_HISTOGRAMS, generatorSummary, streamSummaries, type DefinitionHistogramName, type HistogramName, type MeasuredProfile, type Slo, type TimelineRow } from './measured.js';
import { METRIC_DEFINITIONS, type MetricDefinitions, type StreamOutcome, type StreamTimings } from './stream-meter.js';

export class ProfileMetrics implements EngineObserver {
  readonly latency = createHistogram();
  readonly queueWait = createHistogram();
  readonly connect = createHistogram();
  readonly ttfb = createHistogram();
  readonly connectionHold = createHistogram();
  readonly ttft = createHistogram();
  readonly itl = createHistogram();
  readonly tpot = createHistogram();
  /** Latency less the generator's known lag, and less its stalls too: the bounds of the server's part (measured.ts). */
  readonly latencySent = createHistogram();
  readonly latencyNet = createHistogram();
  /** How late each request was sent after its intended start. */
  readonly startLag = createHistogram();
  /** The generator's event loop, watched while the run is measured. */
  readonly probe: LoopProbe;
  /** The SLO goodput is counted against (set before the run), or null. */
  slo: Slo | null = null;
  /** Which definitions ttft/itl/tpot (their gate metrics, intervals and goodput) follow (docs/metrics.md). */
  definitions: MetricDefinitions = 'tailgate';
  /** Every definition's timings, made at the first stream (a run without streams keeps none). */
  private byDefinition: Record<DefinitionHistogramName, Histogram> | null = null;
  private tokensOut = 0;
  private tokenSources = 0;
  private usageSources = 0;
  private good = 0;
  private goodNet = 0;
  readonly requests = { total: 0, ok: 0, failed: 0, late: 0, abandoned: 0 };
  readonly attempts = { total: 0, primary: 0, hedge: 0, retry: 0 };
  readonly statuses: Record<string, number> = {};
  readonly errors: Record<string, number> = {};
  readonly requestErrors: Record<string, number> = {};
  readonly connections = { opened: 0, reused: 0, closedByServer: 0, closedByClient: 0, stale: 0 };
  /** Why connections closed, by the engine's reason (max-idle, keepalive-expired, server-fin, per-request, ...). */
  readonly closeReasons: Record<string, number> = {};
  /** Attempts aborted because a sibling won their race: the client's choice, not a failure. */
  lostRaces = 0;
  /** Reused connections: the longest idle one that answered, the shortest idle one found closed, resets after sending on one. */
  private readonly reuse = { answeredMaxMs: -1, closedMinMs: -1, resets: 0 };
  readonly timeline: TimelineRow[] = [];
  /**
   * The same, cut into intervals: the gate's noise estimate and windowed thresholds. A timing kept per
   * interval is recorded only there, once; the recorder adds each second into the whole run's histogram
   * above as the second closes (readers of those histograms mid-run see them up to the last closed second).
   */
  readonly intervals = new IntervalRecorder({
    latency: this.latency,
    latencySent: this.latencySent,
    latencyNet: this.latencyNet,
    queueWait: this.queueWait,
    connect: this.connect,
    ttfb: this.ttfb,
    ttft: this.ttft,
    itl: this.itl,
    tpot: this.tpot,
  });
  /** The second under way (the recorder's), recorded into on the hot path. */
  private readonly current = this.intervals.current;
  private readonly currentCounts = this.intervals.counts;
  inFlight = 0;
  /** Stop recording (warm-up metrics are thrown away by not recording into this). */
  recording = true;
  /**
   * Called once a second, as each recorded second closes (and once more for the last, partial one, when the
   * run stops): live export reads the counts here (live-sample.ts). Never per request.
   */
  onSecond: ((m: ProfileMetrics) => void) | null = null;

  private readonly decisions = { hedgeWon: 0, hedgeDenied: 0, retryDenied: 0 };
  private origin = 0;
  private stoppedAt = 0;
  /** When the load model started its last request; null while it is still starting them. */
  private loadEndedAt: number | null = null;
  private okInLoadWindow = 0;
  /** The work: from the first request sent to the last one finished (-1: none yet). */
  private firstSentAt = -1;
  private lastEndedAt = -1;
  private second: Histogram = createHistogram();
  private row: TimelineRow;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.row = this.newRow(0);
    this.probe = new LoopProbe(now);
  }

  /** Start the clock of the timeline and of the load window, and the watch on the generator's own delay. */
  start(): void {
    this.origin = this.now();
    this.row = this.newRow(0);
    this.timer = setInterval(() => this.closeSecond(), 1000);
    this.timer.unref();
    this.probe.start();
  }

  /** The load model has started its last request: the load window ends (the drain is not in it). */
  endLoadWindow(): void {
    this.loadEndedAt = this.now();
    this.okInLoadWindow = this.requests.ok;
  }

  /** Close the last (partial) second and record nothing more (closing the client is not the run). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.probe.stop();
    this.closeSecond();
    this.stoppedAt = this.now();
    if (this.loadEndedAt === null) this.endLoadWindow();
    this.recording = false;
  }

  // ---- engine events (per attempt, per socket, per budget decision) ----

  onAttemptEnd(a: AttemptRecord): void {
    if (!this.recording) return;
    if (a.sent) {
      this.attempts.total++;
      this.attempts[a.kind]++;
      this.currentCounts[a.kind]++;
      if (a.reusedSocket) {
        this.connections.reused++;
        this.row.connectionsReused++;
      }
      if (a.ttfbMs !== null) recordMs(this.current.ttfb, a.ttfbMs);
      if (a.holdMs !== null) recordMs(this.connectionHold, a.holdMs);
    }
    if (a.status !== null && a.status > 0) bump(this.statuses, String(a.status));
    if (a.error !== null) {
      const code = a.error.code;
      bump(this.errors, code);
      // A race's loser is aborted by the client once a sibling won (the only 'cancelled' a run makes):
      // kept under errors for older readers, but it failed nothing, so it is not a failure of its second.
      if (code === 'cancelled' && a.sent) this.lostRaces++;
      else bump(this.row.errorsByCode, code);
      if (code === 'stale_connection') this.connections.stale++;
    }
    if (a.reusedSocket && a.idleBeforeMs !== null) this.recordReuse(a.idleBeforeMs, a.status, a.error?.code);
    recordMs(this.current.queueWait, a.queueWaitMs);
    if (a.connectMs !== null) recordMs(this.current.connect, a.connectMs);
  }

  /**
   * How long reused connections sat idle, by outcome: a server's idle timeout lies between the longest
   * idle that was answered and the shortest idle found closed. A reset after sending counts as found
   * closed too: on a slow machine the dead keep-alive race's reset can come after the stale window.
   */
  private recordReuse(idleMs: number, status: number | null, code: string | undefined): void {
    const r = this.reuse;
    if (status !== null && status > 0) {
      if (idleMs > r.answeredMaxMs) r.answeredMaxMs = idleMs;
    } else if (code === 'stale_connection' || code === 'connection_reset') {
      if (r.closedMinMs < 0 || idleMs < r.closedMinMs) r.closedMinMs = idleMs;
      if (code === 'connection_reset') r.resets++;
    }
  }

  onSocketOpen(_s: SocketInfo): void {
    if (!this.recording) return;
    this.connections.opened++;
    this.row.connectionsOpened++;
  }

  onSocketClose(s: SocketInfo): void {
    if (!this.recording) return;
    if (s.closedBy === 'server') this.connections.closedByServer++;
    else this.connections.closedByClient++;
    bump(this.closeReasons, s.closeReason ?? 'unknown');
  }

  onPolicyEvent(e: PolicyEvent): void {
    if (!this.recording) return;
    if (e === 'hedge-won') this.decisions.hedgeWon++;
    else if (e === 'hedge-denied') this.decisions.hedgeDenied++;
    else this.decisions.retryDenied++;
  }

  // ---- runner events (per logical request) ----

  /** A logical request was sent `lagMs` after its intended start (late: beyond the load model's tolerance). */
  requestStarted(late: boolean, lagMs = 0): void {
    this.inFlight++;
    if (!this.recording) return;
    this.requests.total++;
    if (this.firstSentAt < 0) this.firstSentAt = this.now();
    this.currentCounts.started++;
    recordMs(this.startLag, lagMs);
    if (late) {
      this.requests.late++;
      this.currentCounts.late++;
    }
  }

  /**
   * A logical request ended; latency is measured from its intended start (no coordinated omission).
   * An abandoned request enters the histogram at its age when abandoned: a lower bound, never left out.
   * The generator's part of it: `lagMs`, how late the generator sent it (its own lag, known), and `stallMs`,
   * the longest stall of its event loop while the request was in flight (which may have delayed seeing
   * the answer: an upper bound). The server's part lies between latency − lag − stall and latency − lag.
   */
  requestEnded(latencyMs: number, errorCode: string | null, stream?: StreamOutcome, lagMs = 0, stallMs = 0, now = -1): void {
    this.inFlight--;
    if (!this.recording) return;
    this.lastEndedAt = now < 0 ? this.now() : now;
    if (stream) this.recordStream(stream);
    if (this.slo && errorCode === null) this.countGood(latencyMs, stream?.byDefinition[this.definitions], lagMs + stallMs);
    const sent = latencyMs > lagMs ? latencyMs - lagMs : 0;
    const net = sent > stallMs ? sent - stallMs : 0;
    const current = this.current;
    recordMs(current.latency, latencyMs);
    recordMs(current.latencySent, sent);
    recordMs(current.latencyNet, net);
    const counts = this.currentCounts;
    counts.completed++;
    this.row.rps++;
    if (errorCode === null) {
      this.requests.ok++;
      counts.ok++;
      recordMs(this.second, latencyMs);
    } else {
      this.requests.failed++;
      counts.failed++;
      if (errorCode === 'abandoned') this.requests.abandoned++;
      this.row.errors++;
      bump(this.requestErrors, errorCode);
    }
  }

  /** Goodput, and whether the request would have met the SLO without the generator's own delay. */
  private countGood(latencyMs: number, stream: StreamTimings | undefined, generatorMs: number): void {
    const slo = this.slo as Slo;
    if (meetsSlo(slo, latencyMs, stream)) {
      this.good++;
      this.intervals.count('good');
    }
    if (meetsSlo(slo, latencyMs - generatorMs, stream, generatorMs)) {
      this.goodNet++;
      this.intervals.count('goodNet');
    }
  }

  private recordStream(o: StreamOutcome): void {
    const shown = o.byDefinition[this.definitions];
    const current = this.current;
    if (shown.ttftMs !== null) recordMs(current.ttft, shown.ttftMs);
    for (const gap of shown.itlMs) recordMs(current.itl, gap);
    if (shown.tpotMs !== null) recordMs(current.tpot, shown.tpotMs);
    const all = (this.byDefinition ??= Object.fromEntries(DEFINITION_HISTOGRAMS.map((n) => [n, createHistogram()])) as Record<DefinitionHistogramName, Histogram>);
    for (const d of METRIC_DEFINITIONS) {
      const t = o.byDefinition[d];
      if (t.ttftMs !== null) recordMs(all[`${d}.ttft`], t.ttftMs);
      for (const gap of t.itlMs) recordMs(all[`${d}.itl`], gap);
      if (t.tpotMs !== null) recordMs(all[`${d}.tpot`], t.tpotMs);
    }
    this.tokensOut += o.tokens;
    this.tokenSources++;
    if (o.source === 'usage') this.usageSources++;
  }

  /** What was measured, in the report's shape. */
  snapshot(): MeasuredProfile {
    // The second under way into the whole run's histograms first (and into its interval, which snapshot() keeps).
    this.intervals.fold();
    const loadWindowMs = (this.loadEndedAt ?? this.now()) - this.origin;
    const perSecond = (n: number) => (loadWindowMs > 0 ? round1((n * 1000) / loadWindowMs) : null);
    const histograms: MeasuredProfile['histograms'] = {
      latency: encodeHistogram(this.latency),
      queueWait: encodeHistogram(this.queueWait),
      connect: encodeHistogram(this.connect),
      ttfb: encodeHistogram(this.ttfb),
      connectionHold: encodeHistogram(this.connectionHold),
      ttft: encodeHistogram(this.ttft),
      itl: encodeHistogram(this.itl),
      tpot: encodeHistogram(this.tpot),
      latencySent: encodeHistogram(this.latencySent),
      latencyNet: encodeHistogram(this.latencyNet),
      startLag: encodeHistogram(this.startLag),
      loopDelay: encodeHistogram(this.probe.delay),
      ...definitionHistograms(this.byDefinition),
    };
    const durationMs = Math.round((this.stoppedAt || this.now()) - this.origin);
    const workMs = this.firstSentAt < 0 || this.lastEndedAt < 0 ? 0 : this.lastEndedAt - this.firstSentAt;
    const perSecondOfWork = (n: number) => (workMs > 0 ? round1((n * 1000) / workMs) : null);
    return {
      loadWindowMs: Math.round(loadWindowMs),
      durationMs,
      requests: { ...this.requests },
      rate: { offered: perSecond(this.requests.total), achieved: perSecond(this.okInLoadWindow) },
      attempts: { ...this.attempts },
      statuses: { ...this.statuses },
      errors: { ...this.errors },
      requestErrors: { ...this.requestErrors },
      connections: { ...this.connections },
      budgets: {
        hedge: { issued: this.attempts.hedge, won: this.decisions.hedgeWon, denied: this.decisions.hedgeDenied },
        retry: { issued: this.attempts.retry, denied: this.decisions.retryDenied },
      },
      latencyMs: summarize(this.latency),
      queueWaitMs: summarize(this.queueWait),
      connectMs: summarize(this.connect),
      ttfbMs: summarize(this.ttfb),
      connectionHoldMs: summarize(this.connectionHold),
      ttftMs: summarize(this.ttft),
      itlMs: summarize(this.itl),
      tpotMs: summarize(this.tpot),
      streamMetrics: this.byDefinition ? streamSummaries((n) => summarize((this.byDefinition as Record<DefinitionHistogramName, Histogram>)[n])) : null,
      tokens: {
        out: this.tokensOut,
        source: this.tokenSources === 0 ? null : this.usageSources === this.tokenSources ? 'usage' : this.usageSources === 0 ? 'counted' : 'mixed',
        perSecond: this.tokenSources === 0 ? null : perSecond(this.tokensOut),
      },
      goodput: this.slo ? { slo: this.slo, met: this.good, of: this.requests.total, metNet: this.goodNet } : null,
      work: { ms: Math.round(workMs), okPerSecond: perSecondOfWork(this.requests.ok), tokensPerSecond: this.tokenSources === 0 ? null : perSecondOfWork(this.tokensOut) },
      closeReasons: { ...this.closeReasons },
      reuse: { answeredMaxMs: msOrNull(this.reuse.answeredMaxMs), closedMinMs: msOrNull(this.reuse.closedMinMs), resets: this.reuse.resets },
      lostRaces: this.lostRaces,
      histograms,
      ...generatorSummary(histograms),
      timeline: this.timeline.slice(),
      intervals: this.intervals.snapshot(durationMs),
    };
  }

  /** Close the current second (the run's timer calls this; a test building a report calls it directly). */
  closeSecond(): void {
    const s = this.second;
    this.row.p50Ms = s.totalCount ? percentileUs(s, 50) / 1000 : null;
    this.row.p99Ms = s.totalCount ? percentileUs(s, 99) / 1000 : null;
    this.row.inFlight = this.inFlight;
    if (this.recording) {
      this.timeline.push(this.row);
      this.intervals.close(this.now() - this.origin);
      this.onSecond?.(this);
    }
    s.reset();
    this.row = this.newRow(Math.round((this.now() - this.origin) / 1000));
  }

  private newRow(t: number): TimelineRow {
    return { t, rps: 0, p50Ms: null, p99Ms: null, errors: 0, errorsByCode: {}, inFlight: 0, connectionsOpened: 0, connectionsReused: 0 };
  }
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const msOrNull = (x: number) => (x < 0 ? null : Math.round(x));

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/** Did a successful request meet every part of the SLO it is held to (its stream timed by the definitions shown; its times less `lessMs`)? */
function meetsSlo(slo: Slo, latencyMs: number, stream: StreamTimings | undefined, lessMs = 0): boolean {
  if (slo.e2eMs !== undefined && latencyMs > slo.e2eMs) return false;
  if (slo.ttftMs !== undefined && (stream?.ttftMs ?? Infinity) - lessMs > slo.ttftMs) return false;
  if (slo.itlMs !== undefined && stream && stream.itlMs.length > 0) {
    let sum = 0;
    for (const g of stream.itlMs) sum += g;
    if (sum / stream.itlMs.length > slo.itlMs) return false;
  }
  return true;
}

/** Empty histograms, encoded once: what a run without streams reports under every definition's name. */
let emptyEncoded: string | null = null;

function definitionHistograms(byDefinition: Record<DefinitionHistogramName, Histogram> | null): Record<DefinitionHistogramName, string> {
  const encoded = (n: DefinitionHistogramName) => (byDefinition ? encodeHistogram(byDefinition[n]) : (emptyEncoded ??= encodeHistogram(createHistogram())));
  return Object.fromEntries(DEFINITION_HISTOGRAMS.map((n) => [n, encoded(n)])) as Record<DefinitionHistogramName, string>;
}
