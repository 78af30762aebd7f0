/**
 * The coordinator's view of its shards and of the barrier they wait at: who checked in, who is at
 * which step, who went quiet, who reported. No sockets here (coordinator.ts owns them), so the rules
 * (when a step is released, when a shard is missing, when the run is over) read in one place.
 */
import type { Report } from '../../report/contract/report.js';
import { stepKey, type BarrierReply, type CheckIn, type Refusal, type ShardId, type Step } from './protocol.js';

export type ShardStatus = 'expected' | 'active' | 'reported' | 'failed' | 'missing';

export interface ShardEntry {
  index: number;
  status: ShardStatus;
  instance: string | null;
  lastSeenMs: number;
  /** Why it failed or went missing, in words. */
  detail: string | null;
  report: Report | null;
  startSkewMs: number | null;
  clockRttMs: number | null;
  /** The step it waits at, and how to release it. */
  waiting: { key: string; step: Step; answer: (reply: BarrierReply | Refusal) => void } | null;
}

export class Roster {
  readonly entries: ShardEntry[];
  /** The first shard's check-in: every other must run the same scenario and profiles. */
  first: CheckIn | null = null;
  private readonly released = new Set<string>();
  lastStep: Step | null = null;
  private readonly starts = new Map<string, number>();

  constructor(readonly count: number, nowMs: number) {
    this.entries = Array.from({ length: count }, (_, i) => ({ index: i + 1, status: 'expected', instance: null, lastSeenMs: nowMs, detail: null, report: null, startSkewMs: null, clockRttMs: null, waiting: null }));
  }

  entry(index: number): ShardEntry | undefined {
    return this.entries[index - 1];
  }

  /** Why this shard may not take part (null: it may). */
  refusal(shard: ShardId, checkIn?: CheckIn): string | null {
    if (!Number.isInteger(shard.index) || shard.count !== this.count || shard.index < 1 || shard.index > this.count) {
      return `this coordinator runs ${this.count} shards (1/${this.count} to ${this.count}/${this.count}); shard ${shard.index}/${shard.count} does not belong to it`;
    }
    const e = this.entry(shard.index) as ShardEntry;
    if (e.instance !== null && e.instance !== shard.instance) return `shard ${shard.index}/${this.count} is already taken by another process: each shard index runs once`;
    if (e.status === 'missing' || e.status === 'failed') return `shard ${shard.index}/${this.count} was already given up (${e.detail}); the run goes on without it`;
    if (checkIn && this.first) {
      if (checkIn.scenario.hash !== this.first.scenario.hash) return `shard ${shard.index} runs scenario ${checkIn.scenario.name} (hash ${checkIn.scenario.hash}), the others ${this.first.scenario.name} (hash ${this.first.scenario.hash}): every shard runs the same file`;
      if (checkIn.profiles.join(',') !== this.first.profiles.join(',')) return `shard ${shard.index} runs profiles ${checkIn.profiles.join(', ')}, the others ${this.first.profiles.join(', ')}`;
      if (JSON.stringify(checkIn.load) !== JSON.stringify(this.first.load)) return `shard ${shard.index} was given another load (${JSON.stringify(checkIn.load)}) than the others (${JSON.stringify(this.first.load)}): give every shard the same --rate and --duration`;
    }
    if (!checkIn && e.instance === null) return `shard ${shard.index}/${this.count} has not checked in`;
    return null;
  }

  live(): ShardEntry[] {
    return this.entries.filter((e) => e.status === 'active' || e.status === 'expected');
  }

  /** The step every live shard waits at, when all of them do (and none is still expected to check in). */
  readyStep(): { key: string; step: Step } | null {
    const live = this.live();
    if (live.length === 0 || live.some((e) => e.status === 'expected' || e.waiting === null)) return null;
    const { key, step } = (live[0] as ShardEntry).waiting as NonNullable<ShardEntry['waiting']>;
    return live.every((e) => e.waiting?.key === key) ? { key, step } : null;
  }

  markReleased(key: string, step: Step, startAtMs: number): void {
    this.released.add(key);
    this.starts.set(key, startAtMs);
    this.lastStep = step;
  }

  /** When a released step began, in the coordinator's clock (epoch ms). */
  stepStart(step: Step): number | null {
    return this.starts.get(stepKey(step)) ?? null;
  }

  wasReleased(step: Step): boolean {
    return this.released.has(stepKey(step));
  }

  /** Give up on a shard: it is named, and the run goes on without it. */
  giveUp(e: ShardEntry, status: 'failed' | 'missing', detail: string): void {
    if (e.status === 'reported' || e.status === 'failed' || e.status === 'missing') return;
    e.status = status;
    e.detail = detail;
    e.waiting?.answer({ error: `shard ${e.index}/${this.count} was given up: ${detail}` });
    e.waiting = null;
  }

  finished(): boolean {
    return this.entries.every((e) => e.status === 'reported' || e.status === 'failed' || e.status === 'missing');
  }
}
