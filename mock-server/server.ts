/**
 * The fault-injecting mock inference server. One listener serves HTTP/1.1 and h2c (listener.ts), and
 * the admin API one of its own that no fault touches (admin-listener.ts); the server imitates the
 * inference endpoints (endpoints.ts), injects the faults of its FaultConfig on the way
 * (fault-pipeline.ts), and counts what it saw (stats()). This file only wires the parts together
 * around their one shared state (state.ts).
 */
import { serveAdmin, type AdminActions } from './admin.js';
import { AdminListener } from './admin-listener.js';
import { ActiveFaults } from './active-faults.js';
import { openExchange } from './exchange.js';
import { runFaultPipeline, type Endpoint } from './fault-pipeline.js';
import { resolveFaults, type FaultConfig } from './faults.js';
import { Listener } from './listener.js';
import { MOCK_SETTING_DEFAULTS } from './settings-schema.js';
import { emptyStats, type MockStats } from './stats.js';
import { createState, type ConnectionWatch, type MockSettings } from './state.js';

export interface MockServerOptions {
  /** 0 = any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  faults?: unknown;
  /** Default embedding dimension (OpenAI `dimensions` overrides per request). */
  embeddingDim?: number;
  /** The completions' pace where faults.llm leaves ttft or itl null (default 200: 5 ms a token). */
  tokensPerSecond?: number;
  /** Larger request bodies get 413. */
  maxBodyBytes?: number;
  /** A request (headers and body) must arrive within this many ms (default 0: no limit, for clients sending slowly on purpose). */
  requestTimeoutMs?: number;
  /** The /__tailgate admin API; on by default only when bound to loopback. */
  admin?: boolean;
  /**
   * The admin API's listener of its own, which no fault closes or fills (plain HTTP, on `host`): 0
   * (default) a free port chosen at start, null none (admin on the main port only).
   */
  adminPort?: number | null;
  /** An admin request must arrive whole within this many ms, or its connection is cut (default 10 000). */
  adminTimeoutMs?: number;
  /** Per-request x-tailgate-fault-* headers; on by default only when bound to loopback. */
  faultHeaders?: boolean;
  /** Accept queue length. */
  backlog?: number;
  /** Serve TLS (h2 and http/1.1 by ALPN) with this PEM key and certificate. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** What answers requests the faults let through (default: the mock's endpoints; a proxy: its upstream). */
  endpoint?: Endpoint;
  /** Told of every connection under test as it opens and closes. */
  watch?: ConnectionWatch;
}

export interface MockServer {
  readonly url: string;
  readonly port: number;
  readonly host: string;
  /** The admin API's own listener (`${adminUrl}/__tailgate/faults`); null when the admin API is off or has none. */
  readonly adminUrl: string | null;
  stats(): MockStats;
  /** The same counts, live and not copied: for a reader once a second that only reads (live export). */
  readStats(): Readonly<MockStats>;
  faults(): FaultConfig;
  /** Replace the faults (validated first: an invalid config changes nothing). */
  setFaults(input: unknown): FaultConfig;
  /** Zero the stats (the faults stay). */
  reset(): void;
  close(): Promise<void>;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** The options with their defaults: anyone who can reach a non-loopback mock must not steer it. */
function settingsFrom(options: MockServerOptions): MockSettings {
  const host = options.host ?? '127.0.0.1';
  const loopback = isLoopback(host);
  return {
    host,
    port: options.port ?? 0,
    backlog: options.backlog ?? MOCK_SETTING_DEFAULTS.backlog,
    adminEnabled: options.admin ?? loopback,
    adminPort: options.adminPort === undefined ? 0 : options.adminPort,
    adminTimeoutMs: options.adminTimeoutMs ?? 10_000,
    faultHeadersEnabled: options.faultHeaders ?? loopback,
    maxBodyBytes: options.maxBodyBytes ?? 10 * 1024 * 1024,
    requestTimeoutMs: options.requestTimeoutMs ?? 0,
    endpointOptions: { embeddingDim: options.embeddingDim ?? MOCK_SETTING_DEFAULTS.embeddingDim, tokensPerSecond: options.tokensPerSecond ?? MOCK_SETTING_DEFAULTS.tokensPerSecond },
    tls: options.tls ?? null,
  };
}

export async function startMockServer(options: MockServerOptions = {}): Promise<MockServer> {
  const settings = settingsFrom(options);
  const state = createState(settings, resolveFaults(options.faults ?? {}, 'options.faults'), options.watch ?? null);

  const actions: AdminActions = {
    setFaults(input) {
      const config = resolveFaults(input, 'setFaults');
      state.faults = new ActiveFaults(config);
      listener.faultsChanged();
      state.sequences.admit(state); // a raised llm.maxSequences lets waiting requests in now
      return structuredClone(config);
    },
    reset() {
      // Open connections stay open: they are carried over as the new baseline.
      const open = state.stats.connections.open;
      state.stats = emptyStats();
      state.stats.connections.open = open;
      state.stats.connections.maxOpen = open;
      state.sequences.count(state);
    },
  };
  const listener = new Listener(state, {
    traffic: (req, res, conn) => {
      const ex = openExchange(state, req, res, conn);
      options.watch?.exchange?.(ex);
      runFaultPipeline(state, ex, options.endpoint);
    },
    admin: (req, res, conn) => serveAdmin(state, actions, req, res, conn),
  });
  const port = await listener.listen();
  const adminListener = settings.adminEnabled && settings.adminPort !== null ? new AdminListener(state, actions) : null;
  const adminPort = await adminListener?.listen(settings.host, settings.adminPort as number).catch(async (err: unknown) => {
    state.closing = true;
    await listener.close();
    throw err;
  });
  const urlOf = (scheme: string, p: number) => `${scheme}://${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${p}`;

  return {
    url: urlOf(settings.tls ? 'https' : 'http', port),
    port,
    host: settings.host,
    adminUrl: adminPort === undefined ? null : urlOf('http', adminPort),
    stats: () => structuredClone(state.stats),
    readStats: () => state.stats,
    faults: () => structuredClone(state.faults.config),
    setFaults: actions.setFaults,
    reset: actions.reset,
    async close() {
      state.closing = true;
      await Promise.all([listener.close(), adminListener?.close()]);
    },
  };
}
