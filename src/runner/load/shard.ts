/**
 * Sharding a scenario across load generators: shard i of N sends its share of the load (rate, users,
 * requests, burst size), so N machines together offer what the scenario describes. `tailgate merge`
 * puts the shards' reports back together.
 */
import { InvalidInputError } from '../../engine/index.js';
import type { Scenario } from '../scenario/scenario.js';

export interface Shard {
  index: number;
  count: number;
}

export function parseShard(value: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) throw new InvalidInputError('arguments', [`--shard must be i/N with 1 <= i <= N, got ${JSON.stringify(value)}`]);
  return { index, count };
}

/** This shard's part of an integer quantity: the remainder goes to the first shards. */
function part(total: number, s: Shard): number {
  return Math.floor(total / s.count) + (s.index <= total % s.count ? 1 : 0);
}

export function shardLoad(load: Scenario['load'], s: Shard): Scenario['load'] {
  if (s.count === 1) return load;
  return {
    ...load,
    ...(load.rate !== undefined ? { rate: load.rate / s.count } : {}),
    ...(load.users !== undefined ? { users: Math.max(1, part(load.users, s)) } : {}),
    ...(load.requests !== undefined ? { requests: Math.max(1, part(load.requests, s)) } : {}),
    ...(load.burstSize !== undefined ? { burstSize: Math.max(1, part(load.burstSize, s)) } : {}),
    ...(load.stages ? { stages: load.stages.map((st) => ({ ...st, rate: st.rate / s.count })) } : {}),
    // Random arrivals: each shard its own stream, or every shard's bursts would line up.
    ...(load.arrival !== undefined && load.arrival !== 'constant' ? { seed: (load.seed ?? 1) * 1_000 + s.index } : {}),
  };
}
