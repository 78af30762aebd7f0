/**
 * The servers a differential case runs against: the mock (its faults, its own stats), or a scripted
 * server for what the mock does not do (redirects, an HTTP/2 stream limit, a large error body). Either
 * counts, itself, the requests it saw and the connections it accepted: the counts both sides are
 * compared by, made by neither of them.
 */
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { startMockProcess } from '../../mock-server/index.js';

export interface CaseServer {
  url: string;
  /** Back to the state before the first request (faults, token buckets), no connection left open. */
  prepare(): Promise<void>;
  counts(): Promise<{ requests: number; connections: number }>;
  close(): Promise<void>;
}

/** A scripted server, by what it does. */
export type Scripted =
  /** h2c (prior knowledge) with SETTINGS_MAX_CONCURRENT_STREAMS `streams`, each answer after `latencyMs`. */
  | { kind: 'h2-limit'; streams: number; latencyMs: number }
  /** `…/redirect/<status>/<n>` answers `status` to `…/redirect/<status>/<n-1>`; `…/redirect/<status>/0` is a 200. */
  | { kind: 'redirects' }
  /** The first `failures` requests answer `status` with a body of `bytes` (and `headers`), after `latencyMs`; then 200. */
  | { kind: 'error-body'; status: number; bytes: number; failures: number; headers?: Record<string, string>; latencyMs?: number };

const OK_BODY = JSON.stringify({ object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1] }], model: 'm' });

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });
}

/** Counts and open sockets of a scripted server; `prepare` waits until the last run's sockets are gone. */
class Tally {
  requests = 0;
  connections = 0;
  readonly open = new Set<net.Socket>();
  watch(server: net.Server | http2.Http2Server): void {
    server.on('connection', (s: net.Socket) => {
      this.connections++;
      this.open.add(s);
      s.on('close', () => this.open.delete(s));
    });
  }
  async prepare(): Promise<void> {
    for (const s of this.open) s.destroy();
    for (let i = 0; i < 100 && this.open.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
    this.requests = 0;
    this.connections = 0;
  }
}

function drain(req: http.IncomingMessage | http2.Http2ServerRequest): Promise<void> {
  return new Promise((resolve) => {
    req.on('data', () => {});
    req.on('end', () => resolve());
    req.on('error', () => resolve());
  });
}

async function startScripted(spec: Scripted): Promise<CaseServer> {
  const tally = new Tally();
  let served = 0;
  let server: net.Server;
  if (spec.kind === 'h2-limit') {
    const h2 = http2.createServer({ settings: { maxConcurrentStreams: spec.streams } });
    h2.on('stream', (stream) => {
      tally.requests++;
      stream.on('error', () => {});
      stream.resume();
      const timer = setTimeout(() => {
        if (stream.closed) return;
        stream.respond({ ':status': 200, 'content-type': 'application/json' });
        stream.end(OK_BODY);
      }, spec.latencyMs);
      stream.on('close', () => clearTimeout(timer));
    });
    h2.on('sessionError', () => {});
    server = h2 as unknown as net.Server;
  } else {
    server = http.createServer({ keepAliveTimeout: 60_000 }, async (req, res) => {
      tally.requests++;
      await drain(req);
      if (spec.kind === 'error-body' && spec.latencyMs) await new Promise((r) => setTimeout(r, spec.latencyMs));
      if (spec.kind === 'redirects') {
        // Anywhere in the path (openai-node puts its base path /v1 in front); the Location is relative.
        const m = /\/redirect\/(\d{3})\/(\d+)$/.exec(req.url ?? '');
        if (m && Number(m[2]) > 0) {
          res.writeHead(Number(m[1]), { location: String(Number(m[2]) - 1), 'content-type': 'text/plain' });
          res.end('moved');
          return;
        }
      } else if (served++ < spec.failures) {
        res.writeHead(spec.status, { 'content-type': 'application/json', ...spec.headers });
        res.end(JSON.stringify({ error: { message: 'overloaded', padding: 'x'.repeat(spec.bytes) } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(OK_BODY);
    });
  }
  tally.watch(server);
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    prepare: async () => {
      served = 0;
      await tally.prepare();
    },
    counts: async () => ({ requests: tally.requests, connections: tally.connections }),
    close: async () => {
      for (const s of tally.open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type MockProcess = Awaited<ReturnType<typeof startMockProcess>>;

/**
 * Mock processes kept between cases (a process per case cost more than most cases): a case takes one,
 * sets its faults in prepare(), and hands it back when done. A case with an accept queue of its own
 * (backlog) or a listener down window gets a process of its own.
 */
const idleMocks: MockProcess[] = [];

/** Close the mocks kept between cases (the test file's afterAll). */
export async function closeIdleMocks(): Promise<void> {
  await Promise.all(idleMocks.splice(0).map((m) => m.close()));
}

/** The mock in its own process, with a case's faults; prepare() restores them and zeroes its counts. */
async function startMock(faults: unknown, backlog?: number): Promise<CaseServer & { raw: MockProcess }> {
  // A listener down window under way outlives a change of faults: such a mock is not handed on.
  const pooled = backlog === undefined && !(faults as { down?: unknown[] } | undefined)?.down?.length;
  const mock = (pooled ? idleMocks.pop() : undefined) ?? (await startMockProcess({ faults, ...(backlog !== undefined ? { backlog } : {}) }));
  // A down window from the start begins on the mock's next timer tick, after setFaults answered: the
  // client must not connect before it has (on a loaded machine it would land in a closing listener's queue).
  const downAtOnce = ((faults as { down?: { atMs: number }[] } | undefined)?.down ?? []).some((w) => w.atMs === 0);
  const prepare = async () => {
    await mock.setFaults(faults);
    for (let i = 0; i < 100 && downAtOnce && !(await mock.stats()).faults.listener_down; i++) await new Promise((r) => setTimeout(r, 10));
    for (let i = 0; i < 100 && (await mock.stats()).connections.open > 0; i++) await new Promise((r) => setTimeout(r, 20));
    await mock.reset();
  };
  if (pooled) await prepare();
  return {
    raw: mock,
    url: mock.url,
    prepare,
    counts: async () => {
      const stats = await mock.stats();
      return { requests: stats.requests.total, connections: stats.connections.accepted };
    },
    close: async () => {
      if (!pooled) return mock.close();
      // Back to how a new one starts: no faults (a down window or a backlog gate must not outlive its case).
      await mock.setFaults({});
      idleMocks.push(mock);
    },
  };
}

export function startCaseServer(c: { faults?: unknown; server?: Scripted; backlog?: number }): Promise<CaseServer & { raw?: MockProcess }> {
  return c.server ? startScripted(c.server) : startMock(c.faults, c.backlog);
}
