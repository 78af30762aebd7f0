/**
 * What the coordinator and its shards say to each other (HTTP + JSON), in one place: the paths, the
 * bodies, and the clock both sides use. The coordinator's clock is the run's clock; a shard converts
 * with the offset it measured from round trips (shard-session.ts).
 */
import { performance } from 'node:perf_hooks';
import type { Progress, Step } from '../run/run-options.js';
import type { Report } from '../../report/contract/report.js';

export const COORDINATOR_PATHS = {
  clock: '/clock',
  checkIn: '/check-in',
  barrier: '/barrier',
  heartbeat: '/heartbeat',
  report: '/report',
  fail: '/fail',
} as const;

/**
 * A shared secret between the coordinator and its shards, when set: the coordinator refuses requests
 * without it (anyone who can reach its port could otherwise post a report). Never printed.
 */
export const COORDINATOR_TOKEN_ENV = 'TAILGATE_COORDINATOR_TOKEN';

/** The default port of `tailgate coordinate` (deploy/k8s uses it too). */
export const DEFAULT_COORDINATOR_PORT = 7070;

/** Wall-clock milliseconds with sub-millisecond resolution, monotonic within a process. */
export function clockMs(): number {
  return performance.timeOrigin + performance.now();
}

/** A point every shard waits at: the measured run of a profile, or its warm-up (run-options.ts). */
export type { Step } from '../run/run-options.js';

export const stepKey = (s: Step): string => `${s.profile}\u0000${s.phase}`;

export interface ShardId {
  index: number;
  count: number;
  /** Told apart from another process claiming the same index (a restarted pod, a typo). */
  instance: string;
}

export interface CheckIn {
  shard: ShardId;
  scenario: { name: string; hash: string };
  /** The profiles this shard will run, in order: every shard must run the same. */
  profiles: string[];
  /** The whole run's load (the scenario's, with --rate and --duration), before this shard takes its share. */
  load: unknown;
  /** How long the shard lets in-flight requests finish after the load (its report follows). */
  graceMs: number;
}

export interface BarrierRequest {
  shard: ShardId;
  step: Step;
}

/** The start of a step, in the coordinator's clock. */
export interface BarrierReply {
  startAtMs: number;
}

export interface Heartbeat {
  shard: ShardId;
  progress: Progress | null;
}

export interface ReportPost {
  shard: ShardId;
  report: Report;
  /** The largest distance, over its steps, between a step's start and when this shard really began it (coordinator clock). */
  startSkewMs: number | null;
  /** The round trip its clock offset was measured over: the offset is good to half of it. */
  clockRttMs: number;
}

export interface FailPost {
  shard: ShardId;
  error: string;
}

/** A refusal: the shard stops (exit 2) and says why. */
export interface Refusal {
  error: string;
}
