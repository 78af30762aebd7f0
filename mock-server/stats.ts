/** What the mock saw itself: the ground truth a client's numbers are checked against. */
export interface MockStats {
  /** ISO time the counts started (server start or the last reset). */
  since: string;
  /** The process serving (the embedded mock runs in its own, apart from the load generator). */
  pid: number;
  connections: {
    accepted: number;
    open: number;
    maxOpen: number;
    /** Closed by the server: idle timeout, close-after-N, reset and empty-response faults, shutdown. */
    closedByServer: number;
    /** Closed by the client (its FIN or reset arrived first). */
    closedByClient: number;
    /** Refused at accept time by the capacity fault. */
    rejected: number;
    http2: number;
    /** Connections accepted per client (remote) port: the churn of a client's local ports, made visible. */
    byRemotePort: Record<string, number>;
  };
  requests: {
    total: number;
    inFlight: number;
    maxInFlight: number;
    byPath: Record<string, number>;
    /** Responses by status code (counted when headers are sent). */
    byStatus: Record<string, number>;
    /** By the attempt label in the request id header (primary, hedge, retry), when present. */
    byAttemptKind: Record<string, number>;
    /** Requests that arrived on a connection that had served one before. */
    onReusedConnection: number;
    /** Prompt tokens (characters / 4) of the completions that began generating. */
    tokensIn: number;
    /** Completion tokens sent: one per content chunk written to a stream, all of a whole answer when it goes out. */
    tokensOut: number;
  };
  /** The completion endpoints' sequences (faults.llm): generating at once, and waiting for a place. */
  sequences: {
    active: number;
    maxActive: number;
    queued: number;
    maxQueued: number;
    /** Sequences that generated every token. */
    completed: number;
    /** Sequences whose client went away first (queued or generating): their generation stopped there. */
    abandoned: number;
  };
  /** Faults injected, by kind. */
  faults: Record<string, number>;
}

export function emptyStats(): MockStats {
  return {
    since: new Date().toISOString(),
    pid: process.pid,
    connections: { accepted: 0, open: 0, maxOpen: 0, closedByServer: 0, closedByClient: 0, rejected: 0, http2: 0, byRemotePort: {} },
    requests: { total: 0, inFlight: 0, maxInFlight: 0, byPath: {}, byStatus: {}, byAttemptKind: {}, onReusedConnection: 0, tokensIn: 0, tokensOut: 0 },
    sequences: { active: 0, maxActive: 0, queued: 0, maxQueued: 0, completed: 0, abandoned: 0 },
    faults: {},
  };
}

export function bump(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

/** Gauges: a level at one moment, not a count of events. Across servers the highest is kept, not the sum. */
const GAUGES = new Set(['open', 'maxOpen', 'inFlight', 'maxInFlight', 'pid', 'active', 'maxActive', 'queued', 'maxQueued']);

/** The counts of two servers (or two shards' views) together: counts add, gauges take the highest. */
export function addMockStats(a: MockStats, b: MockStats): MockStats {
  const add = (x: unknown, y: unknown, key: string): unknown => {
    if (typeof x === 'number' && typeof y === 'number') return GAUGES.has(key) ? Math.max(x, y) : x + y;
    if (x && y && typeof x === 'object' && typeof y === 'object') {
      const out: Record<string, unknown> = { ...(x as Record<string, unknown>) };
      for (const [k, v] of Object.entries(y as Record<string, unknown>)) out[k] = k in out ? add(out[k], v, k) : v;
      return out;
    }
    return x;
  };
  return add(a, b, '') as MockStats;
}
