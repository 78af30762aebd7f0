/**
 * Report JSON, schemaVersion 1 (scenarios/report.schema.json): the contract between the runner, the report commands and
 * users' scripts. The measured part of a profile is metrics' MeasuredProfile; this adds what the run was.
 * Every field is measured; what could not be measured is null.
 */
import type { ClientConfig } from '../../engine/index.js';
import type { LatencySummary, MeasuredProfile, MetricDefinitions, ThresholdInput } from '../../metrics/index.js';
import type { MockStats } from '../../../mock-server/index.js';
import type { WireSection } from './wire.js';

export const LOAD_MODELS = ['closed', 'open', 'ramping', 'bursts', 'trace'] as const;
export type LoadModel = (typeof LOAD_MODELS)[number];
export const ARRIVALS = ['constant', 'poisson', 'gamma'] as const;

/**
 * The load a run was given, resolved (defaults filled): what a scenario asks for and what a report records
 * of it, declared here so that the report contract stands below the runner that fills it in.
 */
export interface LoadSettings {
  model: LoadModel;
  users?: number;
  thinkTimeMs: number;
  rate?: number;
  stages?: { durationS: number; rate: number }[];
  burstSize?: number;
  burstGapMs?: number;
  durationS?: number;
  requests?: number;
  maxInFlight: number;
  /** Open, ramping: absent is constant. */
  arrival?: (typeof ARRIVALS)[number];
  burstiness?: number;
  seed?: number;
  /** Trace: the file as resolved against the scenario's folder. */
  file?: string;
  speedup?: number;
}

/** The load a report records: a run's, or `observed` for clients the proxy watched (it sent none itself). */
export type RecordedLoad = LoadSettings | { model: 'observed' };

/** A scenario's gate section, as a run was given it. */
export interface GateSettings {
  thresholds: ThresholdInput[];
  maxRegression: string[];
}

/** How a profile hedges and spends budgets (the PerformanceClient preference a run's session uses). */
export interface ClientPolicy {
  timeoutS?: number;
  hedgeDelayS?: number;
  hedgeBudgetPct: number;
  retryBudgetPct: number;
  budgetFloor: number;
}

export type FixValue = number | string | boolean | null;
/** Settings in a scenario profile's keys (pool.keepAliveMs, timeouts.read, retry.maxRetries, client.hedgeDelayS) and their new values. */
export type FixSettings = Record<string, FixValue>;

/** A headline figure a fix must not worsen beyond noise, unless it names the trade-off. */
export type HeadlineMetric = 'p(99)' | 'error_rate' | 'goodput';

/** A finding's fix as data: what `tailgate run --verify-fixes` applies, and how to tell it worked. */
export interface FindingChange {
  /** The settings to change, in a scenario profile's keys. */
  settings: FixSettings;
  /** The same change in the client's own syntax (the library its preset reproduces), or null when it has none. */
  client: string | null;
  /** Trade-offs the fix makes on purpose: each headline figure it may worsen, and why that is the better outcome. */
  tradeOffs?: { metric: HeadlineMetric; why: string }[];
}

export interface Finding {
  id: string;
  severity: 'info' | 'warning' | 'critical';
  symptom: string;
  evidence: string;
  cause: string;
  /** What to do, in words: the change below, or what to check when the fix is not a client setting. */
  fix: string;
  /** The measure the finding is about (a name of report/finding-metrics.ts): a fix must improve it. */
  metric: string;
  /** The fix as settings, or null when it is not a client setting (a server limit, an outage, the load generator). */
  change: FindingChange | null;
}

/** One finding's measure before and after its profile was rerun with the fixes applied. */
export interface VerifiedFinding {
  id: string;
  severity: Finding['severity'];
  metric: string;
  before: number | null;
  after: number | null;
  /** The finding is gone after the fixes. */
  resolved: boolean;
  /** Its measure moved the better way. */
  improved: boolean;
}

/** A profile rerun with its findings' changes applied (`tailgate run --verify-fixes`). */
export interface FixVerification {
  profile: string;
  /** Every change of the profile's findings together. */
  settings: FixSettings;
  /** Two findings asking for different values of one setting: nothing was rerun. */
  conflicts: string[];
  findings: VerifiedFinding[];
  /** Findings the rerun raised that the profile did not have (the load generator's own left out). */
  newFindings: { id: string; severity: Finding['severity']; symptom: string }[];
  /** Worse: beyond the noise of each run. */
  headline: { metric: HeadlineMetric; before: number | null; after: number | null; worse: boolean; tradeOff: string | null }[];
  /** Every finding resolved and improved, no new finding as severe as one fixed, no headline worse but a named trade-off. */
  verified: boolean;
  /**
   * Not verified, every measure better, but the rerun's load generator was saturated: what looked worse
   * may be the machine's (as the gate calls such a run inconclusive).
   */
  inconclusive?: string;
  /** Reruns judged: a fix that failed its first rerun gets a second, and the second's verdict stands. */
  reruns: number;
}

export interface ProfileReport extends MeasuredProfile {
  name: string;
  description: string | null;
  /** When its measured run began (after the warm-up): shards' timelines are aligned on it when merged. */
  startedAt?: string;
  /** The client the profile reproduces (its preset, after extends), or null for tailgate's defaults. */
  preset: string | null;
  /** Resolved, secrets redacted. */
  config: ClientConfig;
  client: ClientPolicy;
  /**
   * Marks on the run's timeline (seconds): each scenario phase as it began (`faults`: it changed the
   * mock's faults, until the next phase that does), and windows with an end (`endT`: the listener down).
   */
  phases: { t: number; name: string; faults?: boolean; endT?: number }[];
  warmup: { requests: number; ok: number; failed: number; latencyMs: LatencySummary | null } | null;
  /** The load generator's own event-loop delay: high values make every latency above suspect. */
  eventLoop: { meanMs: number; p99Ms: number; maxMs: number } | null;
  /** The mock's own counts for this profile, when the target is the mock. */
  server: MockStats | null;
  findings: Finding[];
  /** A run with --repeat N: each run's measurements (timeline and intervals left out); the profile is their sum. */
  repeats?: MeasuredProfile[];
  /** A client observed by `tailgate proxy`: what it did on the wire (absent for profiles tailgate ran itself). */
  wire?: WireSection;
}

export interface Distribution {
  shards: number;
  /** workers: processes of this machine (`run --workers`); coordinated: `tailgate coordinate` and its shards. */
  mode: 'workers' | 'coordinated';
  /** Per shard index: how far from a step's start it really began, at worst over its steps, in the coordinator's clock. */
  startSkewMs: Record<string, number | null>;
  /** Per shard index: the round trip its clock offset was measured over (the offset is good to half of it). */
  clockRttMs: Record<string, number | null>;
  /** Shards whose measurements are not in this report, and why (the report is then partial). */
  missing: { index: number; status: 'failed' | 'missing'; detail: string | null }[];
}

export interface Report {
  schemaVersion: 1;
  tool: { name: 'tailgate'; version: string };
  scenario: { name: string; file: string | null; hash: string };
  /** The run's id: the `run_id` label of its live series (docs/export.md); a coordinator issues one to all its shards. Absent in older reports. */
  runId?: string;
  startedAt: string;
  endedAt: string;
  partial: boolean;
  /** The abortOnFail threshold that stopped the run early (the report is then partial). */
  stoppedBy?: { profile: string; threshold: string; detail: string };
  target: { kind: 'mock' | 'url'; url: string };
  load: RecordedLoad;
  workload: { kind: string; path: string; method: string };
  gate: GateSettings;
  /** What ttft, itl and tpot mean here (docs/metrics.md); absent in older reports, which are tailgate's. */
  metricDefinitions?: MetricDefinitions;
  /** This report is shard i of N of a sharded run (null when not sharded). */
  shard?: { index: number; count: number } | null;
  /** Set on a report of `tailgate run --repeat N`: how many runs it combines (see ProfileReport.repeats). */
  repeat?: number;
  /** `run --verify-fixes`: each flagged profile rerun with its findings' changes applied. */
  verification?: FixVerification[];
  /** Set on a report made by `tailgate merge`: how many shard reports it combines. */
  mergedFrom?: number;
  /** A run of several processes (null or absent for one): how they were started together. */
  distribution?: Distribution | null;
  profiles: ProfileReport[];
}

/** What a report's stream timings mean (docs/metrics.md): reports from before the field are tailgate's. */
export function metricDefinitionsOf(r: Pick<Report, 'metricDefinitions'>): MetricDefinitions {
  return r.metricDefinitions ?? 'tailgate';
}
