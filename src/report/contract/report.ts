/**
 * Report JSON, schemaVersion 1 (DESIGN.md): the contract between the runner, the report commands and
 * users' scripts. The measured part of a profile is metrics' MeasuredProfile; this adds what the run was.
 * Every field is measured; what could not be measured is null.
 */
import type { ClientConfig } from '../../engine/index.js';
import type { LatencySummary, MeasuredProfile, MetricDefinitions, ThresholdInput } from '../../metrics/index.js';
import type { MockStats } from '../../../mock-server/index.js';

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

export interface Finding {
  id: string;
  severity: 'info' | 'warning' | 'critical';
  symptom: string;
  evidence: string;
  cause: string;
  fix: string;
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
  phases: { t: number; name: string }[];
  warmup: { requests: number; ok: number; failed: number; latencyMs: LatencySummary | null } | null;
  /** The load generator's own event-loop delay: high values make every latency above suspect. */
  eventLoop: { meanMs: number; p99Ms: number; maxMs: number } | null;
  /** The mock's own counts for this profile, when the target is the mock. */
  server: MockStats | null;
  findings: Finding[];
  /** A run with --repeat N: each run's measurements (timeline and intervals left out); the profile is their sum. */
  repeats?: MeasuredProfile[];
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
  startedAt: string;
  endedAt: string;
  partial: boolean;
  /** The abortOnFail threshold that stopped the run early (the report is then partial). */
  stoppedBy?: { profile: string; threshold: string; detail: string };
  target: { kind: 'mock' | 'url'; url: string };
  load: LoadSettings;
  workload: { kind: string; path: string; method: string };
  gate: GateSettings;
  /** What ttft, itl and tpot mean here (docs/metrics.md); absent in older reports, which are tailgate's. */
  metricDefinitions?: MetricDefinitions;
  /** This report is shard i of N of a sharded run (null when not sharded). */
  shard?: { index: number; count: number } | null;
  /** Set on a report of `tailgate run --repeat N`: how many runs it combines (see ProfileReport.repeats). */
  repeat?: number;
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
