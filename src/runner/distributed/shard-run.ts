/**
 * `tailgate run --shard i/N --coordinator URL`: this shard's share of the load, begun with the other
 * shards at each step, its progress sent as heartbeats and its report posted to the coordinator.
 */
import type { Report } from '../../report/contract/report.js';
import { DEFAULT_GRACE_MS } from '../run/run-options.js';
import { checkRunOptions, overriddenLoad, runScenario, selectProfiles, type RunOptions } from '../run/run.js';
import type { Scenario } from '../scenario/scenario.js';
import type { Shard } from '../load/shard.js';
import { ShardSession } from './shard-session.js';

export interface CoordinatedShardOptions extends RunOptions {
  shard: Shard;
  coordinator: string;
  /** The coordinator's shared token, if it has one. */
  token?: string;
  joinTimeoutMs?: number;
}

export interface ShardResult {
  report: Report;
  /** Why the report did not reach the coordinator (null: it did). */
  undelivered: string | null;
}

export async function runCoordinatedShard(scenario: Scenario, options: CoordinatedShardOptions): Promise<ShardResult> {
  checkRunOptions(scenario, options);
  const session = new ShardSession(options.coordinator, options.shard, options.token);
  try {
    await session.join(
      { scenario: { name: scenario.name, hash: scenario.hash }, profiles: selectProfiles(scenario, options.profiles).map((p) => p.name), load: overriddenLoad(scenario, options), graceMs: options.graceMs ?? DEFAULT_GRACE_MS },
      options.joinTimeoutMs,
      options.signal,
    );
    let report: Report;
    try {
      report = await runScenario(scenario, {
        ...options,
        ...(session.runId ? { runId: session.runId } : {}),
        sync: (step, signal) => session.sync(step, signal),
        onProgress: (p) => {
          session.setProgress(p);
          options.onProgress?.(p);
        },
      });
    } catch (err) {
      await session.fail(err instanceof Error ? err.message : String(err));
      throw err;
    }
    try {
      await session.postReport(report);
      return { report, undelivered: null };
    } catch (err) {
      return { report, undelivered: (err as Error).message };
    }
  } finally {
    await session.close();
  }
}
