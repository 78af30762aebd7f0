/**
 * What surrounds a profile's measurements when parts of it add up (shards, repeats): the generator's event
 * loop (the worst part's) and the server's own counts. How the mock's counts add is the mock's knowledge
 * (mock-server's addMockStats), so whoever merges passes it in: the report stands below the mock's code.
 */
import type { MockStats } from '../../../mock-server/index.js';
import type { ProfileReport } from './report.js';

/** Adds two servers' counts (mock-server's addMockStats). */
export type AddServers = (a: MockStats, b: MockStats) => MockStats;

export function addAround(parts: ProfileReport[], addServers?: AddServers): Pick<ProfileReport, 'eventLoop' | 'server'> {
  const loops = parts.map((p) => p.eventLoop).filter((l): l is NonNullable<ProfileReport['eventLoop']> => l !== null);
  const servers = parts.map((p) => p.server);
  return {
    eventLoop: loops.length ? { meanMs: Math.max(...loops.map((l) => l.meanMs)), p99Ms: Math.max(...loops.map((l) => l.p99Ms)), maxMs: Math.max(...loops.map((l) => l.maxMs)) } : null,
    server: addServers && servers.every((s) => s !== null) ? (servers as MockStats[]).reduce(addServers) : null,
  };
}
