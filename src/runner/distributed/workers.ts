/**
 * `tailgate run --workers N`: N processes on this machine as coordinated shards of one run, so the load
 * uses N cores; one embedded mock (its own process) serves them all, reset before each step as a single
 * run resets it, and its counts are read once per profile.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { startMockProcess, type MockProcess, type MockStats } from '../../../mock-server/index.js';
import { InvalidInputError, redactUrl } from '../../engine/index.js';
import { problemsOf, Type } from '../../util/schema.js';
import { forkSibling } from '../../util/index.js';
import type { LiveSample } from '../../metrics/index.js';
import type { LiveRun } from '../run/live.js';
import type { Progress } from '../run/run-options.js';
import type { Report } from '../../report/contract/report.js';
import { checkRunOptions, type RunOptions } from '../run/run.js';
import type { Scenario } from '../scenario/scenario.js';
import type { Shard } from '../load/shard.js';
import { Coordinator, type CoordinatedRun } from './coordinator.js';
import { COORDINATOR_TOKEN_ENV, type Step } from './protocol.js';

export const MAX_WORKERS = 256;
/** The open-model rate one process sends comfortably (bench:runner measures its top rate). */
export const RATE_PER_WORKER = 10_000;

/** What a worker process is given: all of it JSON, so it crosses the process boundary as is. */
export interface WorkerArgs {
  scenarioFile: string;
  shard: Shard;
  coordinator: string;
  options: Pick<RunOptions, 'profiles' | 'target' | 'rate' | 'durationS' | 'graceMs' | 'metricDefinitions'>;
  /** Live export: the worker samples its measured runs in these buckets and sends each sample to its parent (LiveMessage). */
  live?: { boundsUs: number[] };
}

/** What a worker sends its parent over IPC, once a second while a profile is measured. */
export interface LiveMessage {
  live: { run: LiveRun; sample: LiveSample };
}

export interface WorkersOptions extends Pick<RunOptions, 'profiles' | 'target' | 'rate' | 'durationS' | 'graceMs' | 'metricDefinitions' | 'signal' | 'hurry' | 'live'> {
  workers: number;
  onProgress?: (progress: Progress[]) => void;
  log?: (line: string) => void;
}

export interface WorkersRun extends CoordinatedRun {
  target: Report['target'];
  /** The shared mock's counts per profile (null against a real target). */
  servers: Record<string, MockStats> | null;
}

export function checkWorkers(workers: number): void {
  const problems = problemsOf(Type.Integer({ minimum: 1, maximum: MAX_WORKERS }), workers, '--workers');
  if (problems.length) throw new InvalidInputError('arguments', problems);
}

/**
 * Without --workers: as many processes as the scenario's peak rate (open, ramping) needs, up to the cores
 * (less one for the embedded mock), or 1. A closed model's rate is not known ahead: it stays in one process.
 */
export function autoWorkers(load: Scenario['load'], rate: number | undefined, embeddedMock: boolean, cores = os.availableParallelism()): number {
  const peak = rate ?? Math.max(load.rate ?? 0, ...(load.stages ?? []).map((s) => s.rate));
  if ((load.model !== 'open' && load.model !== 'ramping') || !(peak > RATE_PER_WORKER)) return 1;
  return Math.max(1, Math.min(cores - (embeddedMock ? 1 : 0), Math.ceil(peak / RATE_PER_WORKER)));
}

export async function runWorkers(scenario: Scenario, options: WorkersOptions): Promise<WorkersRun> {
  checkWorkers(options.workers);
  if (!scenario.file) throw new InvalidInputError('--workers', ['the scenario must come from a file: each worker process reads it']);
  const url = options.target ?? scenario.target.url;
  checkRunOptions(scenario, { ...pick(options, 'profiles', 'rate', 'durationS'), shard: { index: 1, count: options.workers }, target: url ?? 'http://127.0.0.1:1' });
  const { mock: m } = scenario.target;
  const mock: MockProcess | null = url ? null : await startMockProcess({ faults: m.faults, embeddingDim: m.embeddingDim, tokensPerSecond: m.tokensPerSecond, backlog: m.backlog });
  const servers: Record<string, MockStats> = {};
  const beforeStep = async (step: Step, previous: Step | null) => {
    if (!mock) return;
    if (previous && previous.profile !== step.profile) servers[previous.profile] = await mock.stats();
    if (previous?.profile !== step.profile) await mock.setFaults(scenario.target.mock.faults);
    await mock.reset();
  };
  // The coordinator listens on loopback, where any local process could post to it: a token per run.
  const token = randomBytes(24).toString('base64url');
  const coordinator = await Coordinator.start({
    shards: options.workers,
    token,
    checkInTimeoutMs: 60_000,
    shardTimeoutMs: 30_000,
    leadMs: 500,
    beforeStep,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  const target = url ?? (mock as MockProcess).url;
  const children = Array.from({ length: options.workers }, (_, i) => {
    const args: WorkerArgs = {
      scenarioFile: scenario.file as string,
      shard: { index: i + 1, count: options.workers },
      coordinator: coordinator.url,
      options: { target, ...pick(options, 'profiles', 'rate', 'durationS', 'graceMs', 'metricDefinitions') },
      ...(options.live ? { live: { boundsUs: [...options.live.boundsUs] } } : {}),
    };
    // Its own process group: a terminal's Ctrl+C reaches the parent only, which forwards it once.
    const child = forkSibling(import.meta.url, 'worker-child', [JSON.stringify(args)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], detached: true, env: { ...process.env, [COORDINATOR_TOKEN_ENV]: token } });
    child.once('exit', (code, signal) => coordinator.giveUp(i + 1, `its process exited (${signal ?? `code ${code}`}) before it reported`));
    const live = options.live;
    if (live) child.on('message', (m: Partial<LiveMessage>) => m.live && live.onSample(m.live.run, m.live.sample));
    return child;
  });
  const forward = () => children.forEach((c) => c.exitCode === null && c.kill('SIGINT'));
  options.signal?.addEventListener('abort', forward, { once: true });
  options.hurry?.addEventListener('abort', forward, { once: true });
  try {
    const run = await coordinator.done();
    const last = coordinator.lastStep?.profile;
    if (mock && last && !(last in servers)) servers[last] = await mock.stats();
    return { ...run, target: { kind: mock ? 'mock' : 'url', url: redactUrl(target) }, servers: mock ? servers : null };
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await coordinator.close();
    await mock?.close();
  }
}

function pick<T extends object, K extends keyof T>(o: T, ...keys: K[]): Pick<T, K> {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]])) as Pick<T, K>;
}
