/**
 * The fault-injecting mock inference server. One listener serves HTTP/1.1 and h2c (HTTP/2 with prior
 * knowledge, told apart by the connection preface), imitates the inference endpoints, injects the faults
 * of its FaultConfig, and counts what it saw (stats()).
 */
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { Fifo } from '../src/engine/fifo.js';
import { BadRequest, ENDPOINTS, type EndpointOptions, type EndpointResult } from './endpoints.js';
import { FaultConfigError, pathMatches, resolveFaults, type FaultConfig, type FaultRule } from './faults.js';
import { latencySampler, seededRandom } from './random.js';
import { bump, emptyStats, type MockStats } from './stats.js';
import { TokenBucket } from './token-bucket.js';
import { BacklogGate } from './backlog-gate.js';

export interface MockServerOptions {
  /** 0 = any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  faults?: unknown;
  /** Default embedding dimension (OpenAI `dimensions` overrides per request). */
  embeddingDim?: number;
  tokensPerSecond?: number;
  /** Larger request bodies get 413. */
  maxBodyBytes?: number;
  /** The /__tailgate admin API; on by default only when bound to loopback. */
  admin?: boolean;
  /** Per-request x-tailgate-fault-* headers; on by default only when bound to loopback. */
  faultHeaders?: boolean;
  /** Accept queue length. */
  backlog?: number;
}

export interface MockServer {
  readonly url: string;
  readonly port: number;
  readonly host: string;
  stats(): MockStats;
  faults(): FaultConfig;
  /** Replace the faults (validated first: an invalid config changes nothing). */
  setFaults(input: unknown): FaultConfig;
  /** Zero the stats (the faults stay). */
  reset(): void;
  close(): Promise<void>;
}

/** What the mock knows about one connection. */
interface Conn {
  socket: net.Socket;
  session: http2.Http2Session | null;
  requests: number;
  inFlight: number;
  /** Closes the connection once idle for idleTimeoutMs (node:http's own timer runs a second late). */
  idleTimer: NodeJS.Timeout | null;
  lastResponseEndAt: number;
  closedByServer: boolean;
  clientFinished: boolean;
  /** Carries admin API requests: not traffic under test (uncounted, no capacity slot, no idle close). */
  admin: boolean;
  /** maxOpen before this connection raised it (restored if it turns out to be an admin connection). */
  maxOpenBefore: number;
}

type Req = http.IncomingMessage | http2.Http2ServerRequest;

/** One request as it moves through the faults: what every step needs to know. */
interface Exchange {
  req: Req;
  res: Res;
  path: string;
  conn: Conn | undefined;
  isH2: boolean;
  /** The request's headers when x-tailgate-fault-* headers are enabled, else none. */
  header: RequestHeaders;
}
/** The HTTP/2 compatibility response is used through the same surface as the HTTP/1.1 one. */
type Res = http.ServerResponse;

const ADMIN_PREFIX = '/__tailgate/';
const H2_PREFACE = 'PRI * HTTP/2.0';
const ATTEMPT_KIND = /(?:^|[-:_.])(primary|hedge|retry)(?:[-:_.]?\d+)?$/;

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

interface Compiled {
  config: FaultConfig;
  /** The Keep-Alive header value to send, or null for none (computed once per config). */
  keepAliveHeader: string | null;
  rand: () => number;
  latency: Map<FaultRule, () => number>;
  buckets: Map<FaultRule, Map<string, TokenBucket>>;
}

export async function startMockServer(options: MockServerOptions = {}): Promise<MockServer> {
  const host = options.host ?? '127.0.0.1';
  const loopback = isLoopback(host);
  const adminEnabled = options.admin ?? loopback;
  const faultHeadersEnabled = options.faultHeaders ?? loopback;
  const maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024;
  const endpointOptions: EndpointOptions = { embeddingDim: options.embeddingDim ?? 32, tokensPerSecond: options.tokensPerSecond ?? 200 };

  let stats = emptyStats();
  let compiled = compile(resolveFaults(options.faults ?? {}, 'options.faults'));
  const conns = new Set<Conn>();
  const downTimers: NodeJS.Timeout[] = [];
  const workerQueue = new Fifo<() => void>();
  let activeWorkers = 0;
  let closing = false;

  function compile(config: FaultConfig): Compiled {
    const rand = seededRandom(config.seed);
    const latency = new Map<FaultRule, () => number>();
    for (const rule of config.rules) if (rule.kind === 'latency') latency.set(rule, latencySampler(rule, rand));
    const hint = config.keepAliveHint;
    const keepAliveHeader = hint === true ? `timeout=${Math.floor(config.idleTimeoutMs / 1000)}` : hint === false ? null : `timeout=${hint}`;
    return { config, keepAliveHeader, rand, latency, buckets: new Map() };
  }

  // ---- listeners ----

  const h1 = http.createServer({ requestTimeout: 0, headersTimeout: 60_000, maxHeaderSize: 64 * 1024 }, (req, res) => handle(req, res));
  // Idle connections are closed by our own exact timer (armIdle): node 20's keepAliveTimeout closes a
  // second later than the Keep-Alive hint it advertises.
  h1.keepAliveTimeout = 0;
  h1.on('clientError', (err: NodeJS.ErrnoException, socket: net.Socket) => {
    // Malformed HTTP: answer 400 if the socket can still take it, and keep serving everyone else.
    bump(stats.faults, 'malformed_request_received');
    if (socket.writable && err.code !== 'ECONNRESET') {
      // A request whose body turned out malformed was already counted: count its answer too.
      if ((h1Conns.get(socket)?.inFlight ?? 0) > 0) bump(stats.requests.byStatus, '400');
      socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    } else socket.destroy();
  });
  const h2 = http2.createServer({}, (req, res) => handle(req, res as unknown as Res));
  const h1Conns = new WeakMap<net.Socket, Conn>();
  const h2Conns = new WeakMap<http2.Http2Session, Conn>();
  let routingConn: Conn | null = null;
  h2.on('session', (session) => {
    if (routingConn) {
      h2Conns.set(session, routingConn);
      routingConn.session = session;
    }
    session.on('error', () => {});
  });

  const gate = new BacklogGate();

  function onConnection(socket: net.Socket): void {
    const { capacity } = compiled.config;
    // In backlog mode the gate stops accepting at capacity; what was already queued is accepted and served
    // (late), as by a saturated server. Only reset mode refuses connections at accept time.
    if (capacity.onExceed === 'reset' && capacity.maxConnections !== null && stats.connections.open >= capacity.maxConnections) {
      stats.connections.rejected++;
      bump(stats.faults, 'capacity_reset');
      socket.on('error', () => {});
      socket.resetAndDestroy();
      return;
    }
    const conn: Conn = {
      socket,
      session: null,
      requests: 0,
      inFlight: 0,
      idleTimer: null,
      lastResponseEndAt: performance.now(),
      closedByServer: false,
      clientFinished: false,
      admin: false,
      maxOpenBefore: stats.connections.maxOpen,
    };
    armIdle(conn);
    conns.add(conn);
    h1Conns.set(socket, conn);
    stats.connections.accepted++;
    stats.connections.open++;
    if (stats.connections.open > stats.connections.maxOpen) stats.connections.maxOpen = stats.connections.open;
    updateGate();
    socket.on('end', () => {
      conn.clientFinished = true;
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET' && !conn.closedByServer) conn.clientFinished = true;
    });
    socket.on('close', () => {
      if (conn.idleTimer) clearTimeout(conn.idleTimer);
      conns.delete(conn);
      if (conn.admin) return;
      stats.connections.open--;
      if (conn.clientFinished && !conn.closedByServer) stats.connections.closedByClient++;
      else stats.connections.closedByServer++;
      updateGate();
    });
    socket.once('data', (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      if (first.subarray(0, H2_PREFACE.length).toString('latin1') === H2_PREFACE) {
        stats.connections.http2++;
        routingConn = conn;
        // The session reads the unshifted preface itself (socket.read()); resuming would drain it away.
        h2.emit('connection', socket);
        routingConn = null;
      } else {
        h1.emit('connection', socket);
        socket.resume();
      }
    });
  }

  /** Stop accepting (backlog fills, clients time out connecting) while over capacity in `backlog` mode. */
  function updateGate(): void {
    const { capacity } = compiled.config;
    const shouldBlock = capacity.onExceed === 'backlog' && capacity.maxConnections !== null && stats.connections.open >= capacity.maxConnections;
    if (shouldBlock && !gate.blocked) {
      bump(stats.faults, 'capacity_backlog');
      void gate.block(front);
    } else if (!shouldBlock && gate.blocked && !closing) void gate.unblock(listenOn);
  }

  const backlog = options.backlog ?? 511;
  let front = net.createServer({ noDelay: true }, onConnection);
  const port = await new Promise<number>((resolve, reject) => {
    front.once('error', reject);
    front.listen({ port: options.port ?? 0, host, backlog }, () => resolve((front.address() as net.AddressInfo).port));
  });

  /** Open the port again after a down window. */
  function relisten(): void {
    if (closing) return;
    front = net.createServer({ noDelay: true }, onConnection);
    front.on('error', () => {});
    front.listen({ port, host, backlog });
  }

  /** Listen again on the socket the backlog gate held: the connections it queued are accepted now. */
  function listenOn(handle: object): void {
    front = net.createServer({ noDelay: true }, onConnection);
    front.on('error', () => {});
    front.listen(handle as net.ListenOptions, backlog);
    if (closing) front.close();
  }
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  // ---- listener down windows ----

  // A window's reopening is kept apart from the schedule: replacing the faults mid-window must not leave
  // the port closed for good.
  let reopenTimer: NodeJS.Timeout | null = null;
  function scheduleDownWindows(): void {
    for (const t of downTimers.splice(0)) clearTimeout(t);
    for (const win of compiled.config.down) {
      downTimers.push(
        setTimeout(() => {
          bump(stats.faults, 'listener_down');
          if (reopenTimer === null) front.close();
          else clearTimeout(reopenTimer);
          reopenTimer = setTimeout(() => {
            reopenTimer = null;
            relisten();
          }, win.forMs);
        }, win.atMs),
      );
    }
  }
  scheduleDownWindows();

  function armIdle(conn: Conn): void {
    if (conn.idleTimer) clearTimeout(conn.idleTimer);
    conn.idleTimer = setTimeout(closeIdle, compiled.config.idleTimeoutMs, conn);
  }

  function closeIdle(conn: Conn): void {
    conn.idleTimer = null;
    if (conn.inFlight > 0 || conn.admin) return;
    conn.closedByServer = true;
    if (conn.session) conn.session.close();
    else conn.socket.destroy();
  }

  // ---- request handling ----

  /** A connection's first request was to the admin API: take it out of the counts and the capacity. */
  function uncountAdmin(conn: Conn | undefined): void {
    if (!conn || conn.admin || conn.requests > 0) return;
    conn.admin = true;
    if (conn.idleTimer) clearTimeout(conn.idleTimer);
    conn.idleTimer = null;
    stats.connections.accepted--;
    stats.connections.open--;
    if (conn.session) stats.connections.http2--;
    stats.connections.maxOpen = Math.max(conn.maxOpenBefore, stats.connections.open);
    updateGate();
  }

  function connOf(req: Req): Conn | undefined {
    if ('stream' in req) return h2Conns.get(req.stream.session as http2.Http2Session);
    return h1Conns.get(req.socket);
  }

  function fires(rule: FaultRule, path: string): boolean {
    if (!pathMatches(rule.path, path)) return false;
    const p = rule.probability ?? 1;
    return p >= 1 || compiled.rand() < p;
  }

  function firstRule<K extends FaultRule['kind']>(kind: K, path: string): Extract<FaultRule, { kind: K }> | undefined {
    for (const rule of compiled.config.rules) {
      if (rule.kind === kind && fires(rule, path)) return rule as Extract<FaultRule, { kind: K }>;
    }
    return undefined;
  }

  function handle(req: Req, res: Res): void {
    const path = req.url ?? '/';
    if (path.startsWith(ADMIN_PREFIX)) {
      if (adminEnabled) {
        uncountAdmin(connOf(req));
        void admin(req, res, path);
      }
      else sendJson(req, res, 404, { error: { message: 'admin API disabled' } }, false);
      return;
    }
    const conn = connOf(req);
    const isH2 = 'stream' in req;
    const now = performance.now();
    const reused = conn !== undefined && conn.requests > 0;
    const idleMs = conn ? now - conn.lastResponseEndAt : 0;
    if (conn) {
      conn.requests++;
      conn.inFlight++;
      if (conn.idleTimer) {
        clearTimeout(conn.idleTimer);
        conn.idleTimer = null;
      }
    }
    stats.requests.total++;
    if (reused) stats.requests.onReusedConnection++;
    const query = path.indexOf('?');
    const route = query === -1 ? path : path.slice(0, query);
    bump(stats.requests.byPath, route);
    const requestId = req.headers['x-request-id'];
    const kind = typeof requestId === 'string' ? ATTEMPT_KIND.exec(requestId)?.[1] : undefined;
    if (kind) bump(stats.requests.byAttemptKind, kind);
    stats.requests.inFlight++;
    if (stats.requests.inFlight > stats.requests.maxInFlight) stats.requests.maxInFlight = stats.requests.inFlight;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      stats.requests.inFlight--;
      if (conn) {
        conn.lastResponseEndAt = performance.now();
        if (--conn.inFlight === 0 && !conn.socket.destroyed) armIdle(conn);
      }
    };
    res.on('close', finish);

    const header = faultHeadersEnabled ? req.headers : NO_HEADERS;
    const ex: Exchange = { req, res, path, conn, isH2, header };

    // Connection faults on reuse: the dead keep-alive race, made deterministic.
    const connFault = faultHeader(header, 'connection');
    const reset = reused && conn ? firstRule('reset_on_reuse', path) : undefined;
    if (connFault === 'reset' || (reset && idleMs >= reset.idleMs)) {
      bump(stats.faults, 'reset_on_reuse');
      killConnection(conn, req, true);
      finish();
      return;
    }
    const blackhole = reused && conn ? firstRule('blackhole_on_reuse', path) : undefined;
    if (connFault === 'blackhole' || (blackhole && idleMs >= blackhole.idleMs)) {
      bump(stats.faults, 'blackhole');
      req.resume();
      return; // read the request, never answer, never close
    }
    if (connFault === 'close') {
      bump(stats.faults, 'empty_response');
      req.resume();
      req.on('end', () => killConnection(conn, req, false));
      return;
    }

    const { capacity } = compiled.config;
    if (capacity.maxInFlight !== null && stats.requests.inFlight > capacity.maxInFlight) {
      bump(stats.faults, 'max_in_flight');
      req.resume();
      sendJson(req, res, 503, { error: { message: 'server overloaded: too many requests in flight' } }, isH2, { 'retry-after': '1' });
      return;
    }

    const limiter = firstRule('rate_limit', path);
    if (limiter) {
      let buckets = compiled.buckets.get(limiter);
      if (!buckets) compiled.buckets.set(limiter, (buckets = new Map()));
      const key = limiter.scope === 'client' ? String(req.headers.authorization ?? req.socket?.remoteAddress ?? 'anon') : '*';
      let bucket = buckets.get(key);
      if (!bucket) buckets.set(key, (bucket = new TokenBucket(limiter.rate, limiter.burst, now)));
      const taken = bucket.take(now);
      if (!taken.ok) {
        bump(stats.faults, 'rate_limit');
        const seconds = Math.max(1, Math.ceil(taken.waitMs / 1000));
        // An HTTP date has whole seconds: round up, so the date is never earlier than the wait it means.
        const retryAfter = limiter.retryAfter === 'date' ? new Date(Math.ceil((Date.now() + seconds * 1000) / 1000) * 1000).toUTCString() : String(seconds);
        req.resume();
        sendJson(req, res, 429, { error: { message: 'rate limited', type: 'rate_limit_exceeded' } }, isH2, { 'retry-after': retryAfter });
        return;
      }
    }

    if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined && !isH2) {
      // No body to read (GET /health and the like): node:http discards the empty message itself.
      respondAfterDelay(now, ex, EMPTY);
      return;
    }
    readBody(req, (err, body) => {
      if (err) {
        sendJson(req, res, 413, { error: { message: `request body larger than ${maxBodyBytes} bytes` } }, isH2, { connection: 'close' });
        return;
      }
      respondAfterDelay(now, ex, body as Buffer);
    });
  }

  function readBody(req: Req, cb: (err: Error | null, body?: Buffer) => void): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > maxBodyBytes) {
        failed = true;
        cb(new Error('too large'));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) cb(null, chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    });
    req.on('error', () => {});
  }

  function respondAfterDelay(arrivedAt: number, ex: Exchange, body: Buffer): void {
    const { res, path, header } = ex;
    let serviceMs = 0;
    for (const [rule, sample] of compiled.latency) {
      if (fires(rule, path)) {
        serviceMs = sample();
        bump(stats.faults, 'latency');
        break;
      }
    }
    const headerDelay = Number(faultHeader(header, 'delay-ms'));
    if (Number.isFinite(headerDelay) && headerDelay > 0) serviceMs += headerDelay;
    const slowHeaders = firstRule('slow_headers', path);
    const extraHeaderMs = slowHeaders ? slowHeaders.ms : 0;
    if (slowHeaders) bump(stats.faults, 'slow_headers');

    const respond = () => {
      if (res.destroyed || closing) return;
      produce(ex, body);
    };
    // Service time counts from when the request arrived (or, with workers, from when a worker took it),
    // and ends exactly then (atTime): node's timers alone fire up to a millisecond or two late.
    const run = (release: () => void, startedAt: number) => {
      if (serviceMs <= 0 && extraHeaderMs <= 0) {
        release();
        respond(); // no timer hop when there is nothing to wait for: setTimeout(0) costs a millisecond
        return;
      }
      atTime(startedAt + serviceMs, () => {
        release();
        if (extraHeaderMs > 0) atTime(performance.now() + extraHeaderMs, respond);
        else respond();
      });
    };
    const workers = compiled.config.workers;
    if (workers === null) run(noop, arrivedAt);
    else {
      const release = () => {
        activeWorkers--;
        const next = workerQueue.shift();
        if (next) {
          activeWorkers++;
          next();
        }
      };
      const start = () => run(release, performance.now());
      if (activeWorkers < workers) {
        activeWorkers++;
        start();
      } else workerQueue.push(start);
    }
  }

  function produce(ex: Exchange, body: Buffer): void {
    const { req, res, path, conn, isH2, header } = ex;
    const bodyFault = faultHeader(header, 'body');
    if (bodyFault === 'empty' || firstRule('empty_response', path)) {
      bump(stats.faults, 'empty_response');
      killConnection(conn, req, false);
      return;
    }
    const forcedStatus = Number(faultHeader(header, 'status'));
    const statusRule = firstRule('status', path);
    const status = Number.isInteger(forcedStatus) && forcedStatus >= 400 ? forcedStatus : statusRule?.status;
    if (status !== undefined) {
      bump(stats.faults, `status_${status}`);
      const retryAfter = faultHeader(header, 'retry-after') ?? (statusRule?.retryAfterS !== undefined ? String(statusRule.retryAfterS) : undefined);
      sendJson(req, res, status, { error: { message: `injected ${status}`, type: 'mock_fault' } }, isH2, retryAfter ? { 'retry-after': retryAfter } : {});
      return;
    }

    const method = req.method ?? 'GET';
    const query = path.indexOf('?');
    const route = query === -1 ? path : path.slice(0, query);
    let result: EndpointResult;
    if (route === '/health' || route === '/healthz') result = { status: 200, json: { status: 'ok' } };
    else {
      const endpoint = ENDPOINTS[route];
      if (!endpoint) {
        sendJson(req, res, 404, { error: { message: `no such endpoint: ${route}` } }, isH2);
        return;
      }
      if (method !== 'POST') {
        sendJson(req, res, 405, { error: { message: `${route} takes POST, got ${method}` } }, isH2, { allow: 'POST' });
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch (err) {
        sendJson(req, res, 400, { error: { message: `invalid JSON body: ${(err as Error).message}`, type: 'invalid_request_error' } }, isH2);
        return;
      }
      try {
        result = endpoint(parsed, endpointOptions);
      } catch (err) {
        if (!(err instanceof BadRequest)) throw err;
        sendJson(req, res, err.status, { error: { message: err.message, type: 'invalid_request_error' } }, isH2);
        return;
      }
    }

    if ('stream' in result) {
      streamEvents(req, res, result.stream.events, result.stream.intervalMs, conn, isH2);
      return;
    }
    let text = JSON.stringify(result.json);
    if (bodyFault === 'malformed' || firstRule('malformed_json', path)) {
      bump(stats.faults, 'malformed_json');
      text = text.slice(0, Math.max(1, Math.floor(text.length / 2))) + '\u0000}';
    }
    const payload = Buffer.from(text);
    if (bodyFault === 'stall' || firstRule('stall_after_headers', path)) {
      bump(stats.faults, 'stall_after_headers');
      writeHead(req, res, result.status, { 'content-type': 'application/json', 'content-length': String(payload.length) }, conn, isH2);
      (res as http.ServerResponse).flushHeaders?.();
      return; // never send the body
    }
    if (bodyFault === 'truncate' || firstRule('truncated_body', path)) {
      bump(stats.faults, 'truncated_body');
      writeHead(req, res, result.status, { 'content-type': 'application/json', 'content-length': String(payload.length) }, conn, isH2);
      res.write(payload.subarray(0, Math.floor(payload.length / 2)));
      setTimeout(() => killConnection(conn, req, false), 5);
      return;
    }
    const slow = firstRule('slow_body', path) ?? (bodyFault === 'slow' ? { chunks: 5, ms: 500 } : undefined);
    if (slow) {
      bump(stats.faults, 'slow_body');
      writeHead(req, res, result.status, { 'content-type': 'application/json', 'content-length': String(payload.length) }, conn, isH2);
      (res as http.ServerResponse).flushHeaders?.();
      // N chunks over T: each sent T/N after the one before, the last at T (a body shorter than N bytes
      // goes a byte at a time, still ending at T).
      const chunks = Math.max(1, Math.min(slow.chunks, payload.length));
      const started = performance.now();
      let i = 0;
      const tick = () => {
        if (res.destroyed) return;
        const from = Math.floor((i * payload.length) / chunks);
        const to = Math.floor(((i + 1) * payload.length) / chunks);
        i++;
        if (i >= chunks) res.end(payload.subarray(from, to));
        else {
          res.write(payload.subarray(from, to));
          atTime(started + ((i + 1) * slow.ms) / chunks, tick);
        }
      };
      atTime(started + slow.ms / chunks, tick);
      return;
    }
    writeHead(req, res, result.status, { 'content-type': 'application/json', 'content-length': String(payload.length) }, conn, isH2);
    res.end(payload);
  }

  function streamEvents(req: Req, res: Res, events: string[], intervalMs: number, conn: Conn | undefined, isH2: boolean): void {
    writeHead(req, res, 200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }, conn, isH2);
    let i = 0;
    const timer = setInterval(() => {
      if (res.destroyed) {
        clearInterval(timer);
        return;
      }
      res.write(`data: ${events[i]}\n\n`);
      if (++i >= events.length) {
        clearInterval(timer);
        res.end();
      }
    }, intervalMs);
  }

  /** Status line and headers, with the keep-alive policy of the faults (HTTP/1.1 only). */
  function writeHead(req: Req, res: Res, status: number, headers: Record<string, string>, conn: Conn | undefined, isH2: boolean): void {
    bump(stats.requests.byStatus, String(status));
    if (!isH2) {
      const { maxRequestsPerConnection } = compiled.config;
      const closeNow = headers.connection === 'close' || (maxRequestsPerConnection !== null && conn !== undefined && conn.requests >= maxRequestsPerConnection);
      if (closeNow) {
        headers.connection = 'close';
        if (conn) conn.closedByServer = true;
        if (maxRequestsPerConnection !== null && headers.connection === 'close') bump(stats.faults, 'close_after_requests');
      } else if (req.headers.connection !== 'close') {
        // Setting Connection ourselves stops node:http adding its own Keep-Alive hint, so the fault decides it.
        headers.connection = 'keep-alive';
        if (compiled.keepAliveHeader !== null) headers['keep-alive'] = compiled.keepAliveHeader;
      }
    } else {
      delete headers.connection;
    }
    res.writeHead(status, headers);
  }

  function sendJson(req: Req, res: Res, status: number, json: unknown, isH2: boolean, headers: Record<string, string> = {}): void {
    const payload = Buffer.from(JSON.stringify(json));
    const all = { 'content-type': 'application/json', 'content-length': String(payload.length), ...headers };
    writeHead(req, res, status, all, connOf(req), isH2);
    res.end(payload);
  }

  /** Close the request's connection: reset (RST) or plain close, counted as closed by the server. */
  function killConnection(conn: Conn | undefined, req: Req, rst: boolean): void {
    if ('stream' in req) {
      const session = req.stream.session;
      if (conn) conn.closedByServer = true;
      if (rst) req.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      else session?.destroy();
      return;
    }
    const socket = conn?.socket ?? req.socket;
    if (conn) conn.closedByServer = true;
    if (rst) socket.resetAndDestroy();
    else socket.destroy();
  }

  // ---- admin API ----

  async function admin(req: Req, res: Res, path: string): Promise<void> {
    const isH2 = 'stream' in req;
    const route = path.slice(ADMIN_PREFIX.length).split('?')[0];
    const method = req.method ?? 'GET';
    if (route === 'stats') {
      if (method === 'GET') return sendAdmin(req, res, 200, stats, isH2);
      if (method === 'DELETE' || method === 'POST') {
        server.reset();
        return sendAdmin(req, res, 200, stats, isH2);
      }
    }
    if (route === 'faults') {
      if (method === 'GET') return sendAdmin(req, res, 200, compiled.config, isH2);
      if (method === 'DELETE') return sendAdmin(req, res, 200, server.setFaults({}), isH2);
      if (method === 'POST' || method === 'PUT') {
        const body = await new Promise<Buffer>((resolve) => readBody(req, (_e, b) => resolve(b ?? Buffer.alloc(0))));
        let input: unknown;
        try {
          input = JSON.parse(body.toString('utf8'));
        } catch (err) {
          return sendAdmin(req, res, 400, { error: { message: `invalid JSON body: ${(err as Error).message}` } }, isH2);
        }
        try {
          return sendAdmin(req, res, 200, server.setFaults(input), isH2);
        } catch (err) {
          if (err instanceof FaultConfigError) return sendAdmin(req, res, 400, { error: { message: 'invalid faults', problems: err.problems } }, isH2);
          throw err;
        }
      }
    }
    return sendAdmin(req, res, 404, { error: { message: `no admin route ${method} /__tailgate/${route}` } }, isH2);
  }

  /** Admin answers are not counted in the stats: they are not the traffic under test. */
  function sendAdmin(_req: Req, res: Res, status: number, json: unknown, isH2: boolean): void {
    const payload = Buffer.from(JSON.stringify(json, null, 2));
    const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(payload.length) };
    if (!isH2) headers.connection = 'keep-alive';
    res.writeHead(status, headers);
    res.end(payload);
  }

  const server: MockServer = {
    url,
    port,
    host,
    stats: () => structuredClone(stats),
    faults: () => structuredClone(compiled.config),
    setFaults(input: unknown) {
      const config = resolveFaults(input, 'setFaults');
      compiled = compile(config);
      scheduleDownWindows();
      updateGate();
      return structuredClone(config);
    },
    reset() {
      const open = stats.connections.open;
      stats = emptyStats();
      stats.connections.open = open;
      stats.connections.maxOpen = open;
    },
    async close() {
      closing = true;
      for (const t of downTimers.splice(0)) clearTimeout(t);
      if (reopenTimer !== null) clearTimeout(reopenTimer);
      await gate.unblock();
      for (const c of conns) {
        c.closedByServer = true;
        c.socket.destroy();
      }
      await new Promise<void>((resolve) => {
        if (!front.listening) return resolve();
        front.close(() => resolve());
      });
      h1.close();
      h2.close();
    },
  };
  return server;
}

function noop(): void {}

/** The last stretch before a due time is waited out with setImmediate, which (unlike a timer) is not late. */
const SPIN_MS = 1.5;

/** Run `fn` at performance.now() === `due`, to within a fraction of a millisecond. */
function atTime(due: number, fn: () => void): void {
  const remaining = due - performance.now();
  if (remaining > SPIN_MS) setTimeout(atTime, remaining - SPIN_MS, due, fn);
  else if (remaining > 0) setImmediate(atTime, due, fn);
  else fn();
}

type RequestHeaders = http.IncomingHttpHeaders;
const NO_HEADERS: RequestHeaders = {};
const EMPTY = Buffer.alloc(0);

/** A per-request fault header (x-tailgate-fault-NAME), when fault headers are enabled. */
function faultHeader(headers: RequestHeaders, name: string): string | undefined {
  const v = headers[`x-tailgate-fault-${name}`];
  return typeof v === 'string' ? v : undefined;
}
