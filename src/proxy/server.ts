/**
 * `tailgate proxy`: a reverse proxy between a real client and a real upstream. The client side is the
 * mock's own listener and fault pipeline (HTTP/1.1, h2c, TLS with ALPN; every fault the mock has), with
 * the upstream as its endpoint (forward.ts); the recorder watches every client connection and request.
 */
import { resolveFaults, startMockServer, type FaultConfig, type MockServer } from '../../mock-server/index.js';
import { InvalidInputError, targetUrlProblem } from '../engine/index.js';
import { Forwarder } from './forward.js';
import { Recorder } from './recorder.js';
import type { ClientLog } from './client-log.js';
import { UpstreamKnowledge } from './upstream-knowledge.js';

const DAY_MS = 86_400_000;

/**
 * The proxy's faults start from "none at all": no idle close of its own (the upstream's closes are
 * mirrored instead) and no Keep-Alive hint of its own (the upstream's passes through).
 */
export const PROXY_FAULT_DEFAULTS = { idleTimeoutMs: DAY_MS, keepAliveHint: false } as const;

export interface ProxyOptions {
  upstream: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 = any free port. */
  port?: number;
  /** Raw faults (a file's content), validated with the proxy's defaults underneath. */
  faults?: unknown;
  /** Serve TLS with this PEM key and certificate (h2 and http/1.1 by ALPN). */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** HTTP version asked of the upstream (default: 2 for https:, where ALPN falls back to 1.1; 1 for http:). */
  upstreamHttpVersion?: 1 | 2;
  /** A private CA the upstream's certificate is signed by (PEM). */
  upstreamCa?: string | Buffer;
  /** One name for every client instead of its User-Agent. */
  clientName?: string;
  /** Request bodies beyond this get 413 (default 32 MiB). */
  maxBodyBytes?: number;
  /** A client seen for the first time (live export samples each of its seconds). */
  onClient?: (client: ClientLog) => void;
}

export interface Proxy {
  readonly url: string;
  /** What a client uses as its base URL: the proxy with the upstream URL's path (`http://127.0.0.1:P/v1`). */
  readonly clientUrl: string;
  readonly port: number;
  readonly upstream: string;
  readonly recorder: Recorder;
  readonly knowledge: UpstreamKnowledge;
  /** The client side's own counts (the mock's stats of the listener). */
  readonly listener: MockServer;
  faults(): FaultConfig;
  close(): Promise<void>;
}

/** The proxy's faults: the given ones over the proxy's defaults, every problem named (`faults.rules[0]…`). */
export function resolveProxyFaults(raw: unknown, source = 'faults'): FaultConfig {
  if (raw === undefined || raw === null) return resolveFaults(PROXY_FAULT_DEFAULTS, source);
  // Not an object: resolveFaults names the problem.
  return resolveFaults(typeof raw === 'object' && !Array.isArray(raw) ? { ...PROXY_FAULT_DEFAULTS, ...raw } : raw, source);
}

/** The idle the proxy itself enforces on client connections, if its faults set one. */
function faultIdleMs(f: FaultConfig): number | null {
  const candidates = f.rules.filter((r) => r.kind === 'reset_on_reuse' && (r.probability ?? 1) >= 1).map((r) => (r as { idleMs: number }).idleMs);
  if (f.idleTimeoutMs < DAY_MS) candidates.push(f.idleTimeoutMs);
  return candidates.length ? Math.min(...candidates) : null;
}

export async function startProxy(options: ProxyOptions): Promise<Proxy> {
  const problem = targetUrlProblem('--upstream', options.upstream);
  if (problem) throw new InvalidInputError('arguments', [problem]);
  const faults = resolveProxyFaults(options.faults);
  let listener: MockServer | null = null;
  const current = () => listener?.faults() ?? faults;
  const knowledge = new UpstreamKnowledge(() => faultIdleMs(current()));
  const recorder = new Recorder({ ...(options.clientName ? { clientName: options.clientName } : {}), ...(options.onClient ? { onClient: options.onClient } : {}), tls: options.tls !== undefined, faults: current }, knowledge);
  const upstreamUrl = new URL(options.upstream);
  const secure = upstreamUrl.protocol === 'https:';
  // Paths go upstream as the client sent them; the upstream URL's own path is the client's to use (clientUrl).
  const forwarder = new Forwarder(
    { url: upstreamUrl.origin, httpVersion: options.upstreamHttpVersion ?? (secure ? 2 : 1), connectTimeoutMs: 10_000, ...(options.upstreamCa !== undefined ? { ca: options.upstreamCa } : {}) },
    recorder,
    knowledge,
  );
  listener = await startMockServer({
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    faults,
    // The client's requests are all traffic: no admin API, and its headers steer no fault.
    admin: false,
    faultHeaders: false,
    maxBodyBytes: options.maxBodyBytes ?? 32 * 1024 * 1024,
    // A client sending its request slower than this is a peer the proxy does not wait for.
    requestTimeoutMs: 120_000,
    endpoint: forwarder.endpoint,
    watch: recorder,
    ...(options.tls ? { tls: options.tls } : {}),
  });
  const server = listener;
  return {
    url: server.url,
    clientUrl: `${server.url}${upstreamUrl.pathname.replace(/\/$/, '')}`,
    port: server.port,
    upstream: options.upstream,
    recorder,
    knowledge,
    listener: server,
    faults: () => server.faults(),
    async close() {
      recorder.stop();
      await server.close();
    },
  };
}
