/**
 * What the coordinator and its shards say to each other (HTTP + JSON), in one place: the paths, the
 * bodies (declared once with the schema kit: the types, and the checks the coordinator runs on every
 * request, so nobody's malformed request can stop it), and the clock both sides use. The coordinator's
 * clock is the run's clock; a shard converts with the offset it measured from round trips (shard-session.ts).
 */
import { performance } from 'node:perf_hooks';
import { PROGRESS, STEP } from '../run/run-options.js';
import type { Report } from '../../report/contract/report.js';
import { Type, type Static, type TSchema } from '../../util/schema.js';

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

export const stepKey = (s: Static<typeof STEP>): string => `${s.profile}\u0000${s.phase}`;

// Messages may gain fields (a newer shard, an older coordinator): a field the coordinator does not know
// is left alone, and only what it reads is checked.
export const SHARD_ID = Type.Object({
  index: Type.Integer(),
  count: Type.Integer(),
  /** Told apart from another process claiming the same index (a restarted pod, a typo). */
  instance: Type.String(),
});
export type ShardId = Static<typeof SHARD_ID>;

export const CHECK_IN = Type.Object({
  shard: SHARD_ID,
  scenario: Type.Object({ name: Type.String(), hash: Type.String() }),
  /** The profiles this shard will run, in order: every shard must run the same. */
  profiles: Type.Array(Type.String()),
  /** The whole run's load (the scenario's, with --rate and --duration), before this shard takes its share. */
  load: Type.Unknown(),
  /** How long the shard lets in-flight requests finish after the load (its report follows). */
  graceMs: Type.Number({ minimum: 0 }),
});
export type CheckIn = Static<typeof CHECK_IN>;

/** A shard waits at a step until every shard does. */
export const BARRIER_REQUEST = Type.Object({ shard: SHARD_ID, step: STEP });
export type BarrierRequest = Static<typeof BARRIER_REQUEST>;

/** The start of a step, in the coordinator's clock. */
export interface BarrierReply {
  startAtMs: number;
}

export const HEARTBEAT = Type.Object({ shard: SHARD_ID, progress: Type.Union([PROGRESS, Type.Null()]) });
export type Heartbeat = Static<typeof HEARTBEAT>;

export const REPORT_POST = Type.Object({
  shard: SHARD_ID,
  /** Checked as a report where reports are merged (the report contract's); here only that it is one object. */
  report: Type.Unsafe<Report>(Type.Object({})),
  /** The largest distance, over its steps, between a step's start and when this shard really began it (coordinator clock). */
  startSkewMs: Type.Union([Type.Number(), Type.Null()]),
  /** The round trip its clock offset was measured over: the offset is good to half of it. */
  clockRttMs: Type.Union([Type.Number(), Type.Null()]),
});
export type ReportPost = Static<typeof REPORT_POST>;

export const FAIL_POST = Type.Object({ shard: SHARD_ID, error: Type.String() });
export type FailPost = Static<typeof FAIL_POST>;

/** Each path's body: what the coordinator checks before it reads one. */
export const MESSAGES: Record<string, TSchema> = {
  [COORDINATOR_PATHS.checkIn]: CHECK_IN,
  [COORDINATOR_PATHS.barrier]: BARRIER_REQUEST,
  [COORDINATOR_PATHS.heartbeat]: HEARTBEAT,
  [COORDINATOR_PATHS.report]: REPORT_POST,
  [COORDINATOR_PATHS.fail]: FAIL_POST,
};

/** A refusal: the shard stops (exit 2) and says why. */
export interface Refusal {
  error: string;
}
