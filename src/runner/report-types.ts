/**
 * Report JSON, schemaVersion 1 (DESIGN.md): the contract between the runner, the report commands and
 * users' scripts. The measured part of a profile is metrics' MeasuredProfile; this adds what the run was.
 * Every field is measured; what could not be measured is null.
 */
import type { ClientConfig } from '../engine/index.js';
import type { LatencySummary, MeasuredProfile, MetricDefinitions } from '../metrics/index.js';
import type { MockStats } from '../../mock-server/index.js';
import type { ClientPolicy, Scenario } from './scenario.js';
import type { WireSection } from './wire-section.js';

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
  startedAt: string;
  endedAt: string;
  partial: boolean;
  /** The abortOnFail threshold that stopped the run early (the report is then partial). */
  stoppedBy?: { profile: string; threshold: string; detail: string };
  target: { kind: 'mock' | 'url'; url: string };
  load: Scenario['load'];
  workload: { kind: string; path: string; method: string };
  gate: Scenario['gate'];
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
