/**
 * Runs a scenario: for each profile, against the same workload and load, one after another (the mock
 * reset in between), and a Report of what happened. The embedded mock runs in its own process.
 */
import net from 'node:net';
import { startMockProcess, type MockProcess } from '../../../mock-server/index.js';
import { InvalidInputError, redactUrl, TargetUnreachableError, VERSION } from '../../engine/index.js';
import { parseGateExpressions, type MetricDefinitions } from '../../metrics/index.js';
import { runProfile } from './profile-run.js';
import { DEFAULT_GRACE_MS, type Progress, type ProfileRunOptions, type StoppedBy } from './run-options.js';
import type { ProfileReport, Report } from '../../report/contract/report.js';
import type { ResolvedProfile, Scenario } from '../scenario/scenario.js';
import { shardLoad, type Shard } from '../load/shard.js';
import { newRunId, type LiveOptions } from './live.js';

export type { Progress };

export interface RunOptions {
  /** Only these profiles, in this order. */
  profiles?: string[];
  /** A real endpoint instead of the scenario's target. */
  target?: string;
  rate?: number;
  durationS?: number;
  /** Send only this shard's share of the load (see shard.ts). */
  shard?: Shard;
  /** Stops the load (Ctrl+C, SIGTERM): in-flight requests get the grace to finish, then the report is partial. */
  signal?: AbortSignal;
  /** After the load (or a stop), how long in-flight requests may finish before they are abandoned. */
  graceMs?: number;
  /** Abandon what is in flight now instead of waiting out the grace (a second Ctrl+C). */
  hurry?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** A coordinated shard: each profile's warm-up and run begin when every shard's does (distributed/). */
  sync?: ProfileRunOptions['sync'];
  env?: Record<string, string | undefined>;
  /** Overrides the scenario's metricDefinitions (run --metric-definitions). */
  metricDefinitions?: MetricDefinitions;
  /** The run's id (a coordinator issues it to its shards); a new one when not given. */
  runId?: string;
  /** Live export of each profile's measured run, second by second. */
  live?: LiveOptions;
}

/** Checks that need nothing but the scenario and the options: done before anything is sent. */
export function checkRunOptions(scenario: Scenario, options: RunOptions): void {
  selectProfiles(scenario, options.profiles);
  if (scenario.load.model === 'trace') {
    const problems: string[] = [];
    if (options.rate !== undefined) problems.push('--rate does not apply to a trace (its lines set the times; use load.speedup)');
    if (problems.length) throw new InvalidInputError('arguments', problems);
  }
  if (options.shard && options.shard.count > 1 && !(options.target ?? scenario.target.url)) {
    throw new InvalidInputError('--shard', [
      'a sharded run needs a real target (--target or target.url): each shard would start its own embedded mock, ' +
        "multiplying the server's limits. Start one with `tailgate mock` and pass --target to every shard.",
    ]);
  }
}

/** The scenario's load with the command line's --rate and --duration applied (before any sharding). */
export function overriddenLoad(scenario: Scenario, options: Pick<RunOptions, 'rate' | 'durationS'>): Scenario['load'] {
  return { ...scenario.load, ...(options.rate !== undefined ? { rate: options.rate } : {}), ...(options.durationS !== undefined ? { durationS: options.durationS, requests: undefined } : {}) };
}

export async function runScenario(scenario: Scenario, options: RunOptions = {}): Promise<Report> {
  checkRunOptions(scenario, options);
  const profiles = selectProfiles(scenario, options.profiles);
  const url = options.target ?? scenario.target.url;
  const overridden = overriddenLoad(scenario, options);
  const load = options.shard ? shardLoad(overridden, options.shard) : overridden;
  const metricDefinitions = options.metricDefinitions ?? scenario.metricDefinitions;
  const runId = options.runId ?? newRunId();
  if (url) await assertReachable(url);
  const { mock } = scenario.target;
  const server: MockProcess | null = url ? null : await startMockProcess({ faults: mock.faults, embeddingDim: mock.embeddingDim, tokensPerSecond: mock.tokensPerSecond, backlog: mock.backlog });
  const startedAt = new Date().toISOString();
  const reports: ProfileReport[] = [];
  let partial = false;
  let stoppedBy: StoppedBy | null = null;
  const abortOn = parseGateExpressions(scenario.gate.thresholds, []).thresholds.filter((t) => t.abortOnFail);
  try {
    for (const profile of profiles) {
      if (options.signal?.aborted) {
        partial = true;
        break;
      }
      const result = await runProfile({ ...scenario, load, metricDefinitions }, profile, {
        url: url ?? (server as MockProcess).url,
        mock: server,
        graceMs: options.graceMs ?? DEFAULT_GRACE_MS,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.hurry ? { hurry: options.hurry } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(options.env ? { env: options.env } : {}),
        ...(options.sync ? { sync: options.sync } : {}),
        ...(options.shard ? { shard: options.shard } : {}),
        ...(options.live ? { live: options.live } : {}),
        runId,
        abortOn,
      });
      reports.push(result.report);
      if (result.interrupted) {
        partial = true;
        stoppedBy = result.stoppedBy;
        break;
      }
    }
  } finally {
    await server?.close();
  }
  return {
    schemaVersion: 1,
    tool: { name: 'tailgate', version: VERSION },
    scenario: { name: scenario.name, file: scenario.file, hash: scenario.hash },
    runId,
    startedAt,
    endedAt: new Date().toISOString(),
    partial,
    ...(stoppedBy ? { stoppedBy } : {}),
    target: { kind: server ? 'mock' : 'url', url: redactUrl(url ?? (server as MockProcess).url) },
    load,
    workload: { kind: scenario.workload.kind, path: scenario.workload.path, method: scenario.workload.method },
    gate: scenario.gate,
    metricDefinitions,
    shard: options.shard ?? null,
    profiles: reports,
  };
}

export function selectProfiles(scenario: Scenario, names?: string[]): ResolvedProfile[] {
  if (!names || names.length === 0) return scenario.profiles;
  const problems: string[] = [];
  const found = names.map((n) => {
    const p = scenario.profiles.find((x) => x.name === n);
    if (!p) problems.push(`no profile "${n}" in scenario ${scenario.name} (has ${scenario.profiles.map((x) => x.name).join(', ')})`);
    return p;
  });
  if (problems.length) throw new InvalidInputError('--profile', problems);
  return found as ResolvedProfile[];
}

export async function assertReachable(url: string): Promise<void> {
  const u = new URL(url);
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect({ host: u.hostname.replace(/^\[|\]$/g, ''), port, timeout: 5_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new TargetUnreachableError(`cannot reach ${u.host}: no answer to a connect within 5 s`));
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      reject(new TargetUnreachableError(`cannot reach ${u.host}: ${err.code === 'ECONNREFUSED' ? 'connection refused' : err.message}`));
    });
  });
}
