/** What a live export holds at one moment: each source's latest families (one profile of one shard, a mock). */
import type { Family } from './families.js';

export interface Source {
  /** When its counts started (its counters' start time, as OTLP carries it), ms since the epoch. */
  startMs: number;
  families: readonly Family[];
}

export interface Snapshot {
  /** When it was taken, ms since the epoch: the samples' timestamp. */
  atMs: number;
  sources: readonly Source[];
}
