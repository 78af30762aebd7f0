/**
 * Running one differential case on one side: the real library (a driver in its own process) or
 * tailgate's preset of it (a PerformanceClient in this process), each against a fresh mock, and the
 * outcome in shared classes, with the mock's own counts.
 */
import { execFile, execFileSync } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import type { MockProcess } from '../../mock-server/index.js';
import { PerformanceClient, type TailgateError } from '../../src/index.js';
import { PRESET_OF, type Case, type Client } from './cases.js';
import { startCaseServer, type CaseServer } from './servers.js';

export interface Outcome {
  succeeded: number;
  /** Failed requests by class (shared by the drivers and tailgate): pool_timeout, connect_timeout, read_timeout, total_timeout, timeout, reset, body_error, protocol_error, connect_error, http_NNN, other. */
  classes: Record<string, number>;
  /** What the mock saw: requests (attempts that reached it) and connections it accepted. */
  serverRequests: number;
  connections: number;
  /** The library and version (real side), for the record. */
  version?: string;
  exceptions?: Record<string, number>;
}

const DRIVERS = fileURLToPath(new URL('./drivers/', import.meta.url));
/** Debian's own python3 (with python3-httpx and python3-aiohttp), not a version manager's. */
const SYSTEM_PATH = execFileSync('getconf', ['PATH']).toString().trim();

const DRIVER: Record<Client, { cmd: string; file: string }> = {
  httpx: { cmd: 'python3', file: 'httpx_driver.py' },
  aiohttp: { cmd: 'python3', file: 'aiohttp_driver.py' },
  undici: { cmd: process.execPath, file: 'undici_driver.mjs' },
  fetch: { cmd: process.execPath, file: 'fetch_driver.mjs' },
  'openai-node': { cmd: process.execPath, file: 'openai_node_driver.mjs' },
  'baseten-pc': { cmd: process.execPath, file: 'baseten_driver.mjs' },
};

/** What a driver is given: the server, the load, the request, and the client's settings. */
interface Spec {
  url: string;
  waves: number[];
  gapMs: number;
  /** Instead of waves: `workers` users, each sending its next request as soon as its last ended, `requests` in all. */
  closedLoop?: { workers: number; requests: number };
  method: string;
  path: string;
  /** tailgate config overrides, which each driver maps to its library as a user writes them. */
  settings: object;
  /** Library-only settings, passed to the library as they are named there (a driver's own keys). */
  native: object;
  /** The driver process's extra environment (proxies). */
  env?: Record<string, string>;
}

function runDriver(client: Client, spec: Spec): Promise<Pick<Outcome, 'succeeded' | 'classes' | 'version' | 'exceptions'>> {
  const { cmd, file } = DRIVER[client];
  const env = { ...process.env, ...(cmd === 'python3' ? { PATH: SYSTEM_PATH } : {}), ...spec.env };
  return new Promise((resolve, reject) => {
    execFile(cmd, [`${DRIVERS}${file}`, JSON.stringify(spec)], { env, timeout: 90_000 }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').at(-1) ?? '';
      try {
        const out = JSON.parse(line) as { succeeded: number; classes: Record<string, number>; version: string; exceptions: Record<string, number>; watchdog?: boolean };
        if (out.watchdog) return reject(new Error(`${client} driver hit its watchdog: ${line}`));
        resolve({ succeeded: out.succeeded, classes: out.classes, version: out.version, exceptions: out.exceptions });
      } catch {
        reject(new Error(`${client} driver failed (${err?.message ?? 'no output'}): ${stderr.slice(-500)}`));
      }
    });
  });
}

/** tailgate's class for a failure, in the drivers' vocabulary. */
export function classOf(err: TailgateError): string {
  switch (err.code) {
    case 'pool_timeout':
    case 'connect_timeout':
    case 'read_timeout':
    case 'total_timeout':
      return err.code;
    case 'attempt_timeout':
    case 'write_timeout':
      return 'timeout';
    case 'stale_connection':
    case 'connection_reset':
      return err.afterHeaders ? 'body_error' : 'reset';
    case 'protocol_error':
      return err.afterHeaders ? 'body_error' : 'protocol_error';
    case 'connect_refused':
    case 'connect_error':
      return 'connect_error';
    case 'http_3xx':
    case 'http_429':
    case 'http_4xx':
    case 'http_5xx':
      return `http_${err.status}`;
    default:
      return 'other';
  }
}

async function runPreset(client: Client, spec: Spec): Promise<Pick<Outcome, 'succeeded' | 'classes'>> {
  const pc = new PerformanceClient({ baseUrl: spec.url, config: { preset: PRESET_OF[client], ...spec.settings }, env: {} });
  const session = pc.session({ maxConcurrentRequests: 1024 });
  const out = { succeeded: 0, classes: {} as Record<string, number> };
  const body = spec.method === 'GET' ? null : JSON.stringify({ input: 'hello', model: 'm' });
  const one = () =>
    session.send({ method: spec.method as 'POST', path: spec.path, body }).then(
      () => void out.succeeded++,
      (err: TailgateError) => {
        const k = classOf(err);
        out.classes[k] = (out.classes[k] ?? 0) + 1;
      },
    );
  try {
    if (spec.closedLoop) {
      let left = spec.closedLoop.requests;
      const user = async () => {
        while (left-- > 0) await one();
      };
      await Promise.all(Array.from({ length: spec.closedLoop.workers }, user));
    }
    for (let i = 0; i < spec.waves.length; i++) {
      if (i) await new Promise((r) => setTimeout(r, spec.gapMs));
      await Promise.all(Array.from({ length: spec.waves[i]! }, one));
    }
    await new Promise((r) => setTimeout(r, 100)); // as the drivers: let what follows the last request land
  } finally {
    session.close();
    await pc.close();
  }
  return out;
}

/**
 * One side of one case. A case that fills the mock's capacity (holdConnections) gets a mock of its own,
 * since what its accept queue held must not leak into the next run.
 */
export async function runSide(c: Case, client: Client, side: 'real' | 'tailgate', shared?: CaseServer): Promise<Outcome> {
  const own = shared === undefined || c.holdConnections !== undefined;
  const server = own ? await startCaseServer(c) : shared;
  const held: net.Socket[] = [];
  try {
    if (!own) await server.prepare();
    const mock = (server as { raw?: MockProcess }).raw;
    if (c.holdConnections && mock) {
      for (let i = 0; i < c.holdConnections; i++) {
        const s = net.connect(mock.port, '127.0.0.1');
        s.on('error', () => {});
        held.push(s);
      }
      // Wait until the mock holds them all: it is then at capacity and stops accepting (a fixed pause
      // was too short on a loaded machine).
      for (let i = 0; i < 250 && (await mock.stats()).connections.open < held.length; i++) await new Promise((r) => setTimeout(r, 20));
      // Then the mock hands its listening socket to a holder process (backlog-gate.ts): a process spawn,
      // slow on a loaded machine. Until it holds it, the mock still accepts.
      await new Promise((r) => setTimeout(r, 1_000));
      await mock.reset();
    }
    const spec: Spec = {
      url: server.url,
      waves: c.waves ?? [],
      gapMs: c.gapMs ?? 0,
      ...(c.closedLoop ? { closedLoop: c.closedLoop } : {}),
      method: c.request?.method ?? 'POST',
      path: c.request?.path ?? '/v1/embeddings',
      settings: c.settings[client] ?? {},
      native: c.native?.[client] ?? {},
      ...(c.env ? { env: c.env } : {}),
    };
    const result = side === 'real' ? await runDriver(client, spec) : await runPreset(client, spec);
    const counts = await server.counts();
    return { ...result, serverRequests: counts.requests, connections: counts.connections };
  } finally {
    for (const s of held) s.destroy();
    if (own) await server.close();
  }
}
