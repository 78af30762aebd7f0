/**
 * What a profile's run is given and says as it goes, apart from the run itself, so that its stages, the
 * measured stage and the distributed protocol can name these types without importing the run.
 */
import type { MockProcess } from '../../../mock-server/index.js';
import type { EngineObserver } from '../../engine/index.js';
import type { ProfileMetrics, Threshold } from '../../metrics/index.js';
import type { Shard } from '../load/shard.js';
import type { LiveOptions } from './live.js';
import { Type, type Static } from '../../util/schema.js';

/** One step of a coordinated run: a profile's warm-up or its measured run (distributed/protocol.ts). */
export const STEP = Type.Object({ profile: Type.String(), phase: Type.Enum(['warmup', 'run']) });
export type Step = Static<typeof STEP>;

/** How long in-flight requests may finish after the load (or Ctrl+C) before they are abandoned. */
export const DEFAULT_GRACE_MS = 10_000;

/** What a run says as it goes (each second), and what a shard's heartbeat carries to the coordinator. */
export const PROGRESS = Type.Object({
  profile: Type.String(),
  phase: Type.Enum(['warmup', 'run', 'draining']),
  elapsedS: Type.Number({ minimum: 0 }),
  rps: Type.Number({ minimum: 0 }),
  p99Ms: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
  errors: Type.Number({ minimum: 0 }),
  inFlight: Type.Number({ minimum: 0 }),
});
export type Progress = Static<typeof PROGRESS>;

export interface ProfileRunOptions {
  url: string;
  mock: MockProcess | null;
  signal?: AbortSignal;
  graceMs: number;
  /** Cuts the grace short (a second Ctrl+C): what is still in flight is abandoned now. */
  hurry?: AbortSignal;
  onProgress?: (p: Progress) => void;
  env?: Record<string, string | undefined>;
  /** Thresholds marked abortOnFail: the measured run stops once one is lost (abort-watch.ts). */
  abortOn?: Threshold[];
  /** This shard's share: a trace's shard replays every Nth line. */
  shard?: Shard;
  /**
   * A coordinated shard: wait until every shard reaches this step and begin with them (distributed/).
   * Resolves with the step's start in the coordinator's clock (epoch ms): the time every shard's rows are
   * placed by, whatever its own wall clock says; null when stopped first.
   */
  sync?: (step: Step, signal?: AbortSignal) => Promise<number | null>;
  /** The trace model's schedule (its lines' offsets in ms, ascending), read before the run. */
  traceAtMs?: Float64Array;
  /** When the mock's faults were set (performance.now()): its down windows count from then. */
  faultsSetAt?: number;
  /** Live export: the measured run sampled each second (live.ts). */
  live?: LiveOptions;
  /** The run's id (its live series' label). */
  runId?: string;
}

/** A threshold that stopped the run early, and why. */
export interface StoppedBy {
  profile: string;
  threshold: string;
  detail: string;
}

/** Forwards engine events to whichever metrics are current (warm-up, then the measured run). */
export class SwitchingObserver implements EngineObserver {
  constructor(public current: ProfileMetrics) {}
  onAttemptEnd: EngineObserver['onAttemptEnd'] = (a) => this.current.onAttemptEnd(a);
  onSocketOpen: EngineObserver['onSocketOpen'] = (s) => this.current.onSocketOpen(s);
  onSocketClose: EngineObserver['onSocketClose'] = (s) => this.current.onSocketClose(s);
  onPolicyEvent: EngineObserver['onPolicyEvent'] = (e) => this.current.onPolicyEvent(e);
}

