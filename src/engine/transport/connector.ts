/**
 * Opens sockets for undici, so that tailgate (not undici) owns the connect timeout (undici's timers are
 * coarse for long values), the optional CONNECT proxy tunnel (proxy.ts), and each socket's story: when it
 * opened, how long the handshake took, who closed it and why. TLS is undici's connector's, with its
 * options set here (ALPN h2, certificate checks, the session cache).
 */
import net, { type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import { buildConnector } from 'undici';
import { TailgateError } from '../errors.js';
import type { ClientConfig } from '../config/index.js';
import type { SocketInfo } from '../observer.js';
import { timerDelayMs } from './deadlines.js';
import { PortBudget } from './port-budget.js';
import { openTunnel } from './proxy.js';

type ConnectOptions = buildConnector.Options & { httpSocket?: Socket };
type ConnectCallback = buildConnector.Callback;
type Connector = (options: ConnectOptions, callback: ConnectCallback) => void;

export interface SocketListener {
  /** A socket connected and is about to serve requests. */
  onSocketOpen(socket: Socket, info: SocketInfo): void;
  /** A socket closed, by either side. */
  onSocketClose(socket: Socket, info: SocketInfo): void;
  /** A connect failed (refused, timed out, TLS): no socket was opened. */
  onConnectFailed(): void;
}

export interface TrackedSocket extends Socket {
  tailgate?: SocketInfo;
}

/** Record that we are closing this socket, and why, before whatever closes it. */
export function markClosedByClient(socket: TrackedSocket, reason: string): void {
  const info = socket.tailgate;
  if (info && info.closedBy === null) {
    info.closedBy = 'client';
    info.closeReason = reason;
  }
}

/** Begin a connected socket's story: its SocketInfo, and who closes it (a FIN or reset from the server, else us). */
function trackSocket(socket: Socket, id: number, startedAt: number, listener: SocketListener): TrackedSocket {
  const tracked = socket as TrackedSocket;
  const isH2 = (tracked as { alpnProtocol?: string | false }).alpnProtocol === 'h2';
  const info: SocketInfo = {
    id,
    openedAt: startedAt,
    connectMs: performance.now() - startedAt,
    requestsServed: 0,
    lastActiveAt: performance.now(),
    closedBy: null,
    closeReason: null,
    closedAt: null,
    protocol: isH2 ? 'h2' : 'h1',
  };
  tracked.tailgate = info;
  // A FIN from the server ('end') or a reset tells us who closed; anything else was us (undici's
  // keep-alive timer, an abort, maxRequestsPerConnection).
  tracked.once('end', () => {
    if (info.closedBy === null) {
      info.closedBy = 'server';
      info.closeReason = 'server-fin';
    }
  });
  tracked.on('error', (e: NodeJS.ErrnoException) => {
    if (info.closedBy === null && (e.code === 'ECONNRESET' || e.code === 'EPIPE')) {
      info.closedBy = 'server';
      info.closeReason = 'server-reset';
    }
  });
  tracked.once('close', () => {
    info.closedAt = performance.now();
    if (info.closedBy === null) {
      info.closedBy = 'client';
      info.closeReason = 'client-closed';
    }
    listener.onSocketClose(tracked, info);
  });
  listener.onSocketOpen(tracked, info);
  return tracked;
}

export class SocketFactory {
  private nextId = 1;
  private readonly base: Connector;
  /** pool.localPorts: one budget per destination. */
  private readonly budgets = new Map<string, PortBudget>();

  constructor(
    private readonly config: ClientConfig,
    ca?: string | Buffer,
  ) {
    this.base = buildConnector({
      allowH2: config.httpVersion === 2,
      rejectUnauthorized: config.rejectUnauthorized,
      // A private CA is trusted besides the system's (Node replaces the defaults when `ca` is given).
      ...(ca !== undefined ? { ca: [...tls.rootCertificates, ca.toString()] } : {}),
      // 0 turns undici's own connect timer off: ours (below) is exact.
      timeout: 0,
      // A new client per request starts with an empty TLS session cache: a full handshake every time,
      // as a freshly made httpx.Client or fetch Agent does. A shared client resumes sessions.
      ...(config.pool.mode === 'per-request' ? { maxCachedSessions: 0 } : {}),
    } as buildConnector.BuildOptions) as unknown as Connector;
  }

  /** A connect function for one undici Client; `listener` hears about every socket it opens. */
  connectorFor(listener: SocketListener, onPending: (socket: Socket | null) => void): Connector {
    return (options, callback) => {
      const startedAt = performance.now();
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      let pending: Socket | null = null;

      const finish = (err: Error | null, socket: Socket | null) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        onPending(null);
        if (err || !socket) {
          pending?.destroy();
          listener.onConnectFailed();
          callback(err ?? new Error('connect failed'), null);
          return;
        }
        callback(null, trackSocket(socket, this.nextId++, startedAt, listener));
      };

      const timeoutMs = this.config.timeouts.connect;
      if (timeoutMs !== null) {
        timer = setTimeout(() => {
          finish(
            new TailgateError('connect_timeout', `connect to ${options.hostname}:${options.port} timed out after ${timeoutMs} ms`),
            null,
          );
        }, timerDelayMs(timeoutMs, 'connect', this.config.behavior));
      }

      const direct = (httpSocket?: Socket) => {
        if (settled) return;
        const opts = httpSocket ? { ...options, httpSocket } : options;
        const socket = this.base(opts, (err, sock) => finish(err, sock as Socket | null)) as unknown as Socket | undefined;
        if (socket) {
          pending = socket;
          onPending(socket);
          // An attempt that gives up destroys the handshake; no callback follows, so end the connect here.
          socket.once('close', () => finish(new TailgateError('cancelled', 'connect abandoned'), null));
        }
        if (socket && this.config.httpVersion === 2 && options.protocol === 'http:') {
          // h2c with prior knowledge: undici picks HTTP/2 from alpnProtocol.
          (socket as TrackedSocket & { alpnProtocol: string }).alpnProtocol = 'h2';
        }
      };

      const { localPorts } = this.config.pool;
      if (localPorts !== null && this.config.proxy === null) {
        const budget = this.budgetFor(`${options.hostname}:${options.port}`, localPorts);
        const raw = this.bindFromBudget(budget, options, (err) => finish(err, null));
        if (!raw) return;
        pending = raw;
        onPending(raw);
        // An attempt that gives up destroys the connect; end it here (after connect, finish ignores this).
        raw.once('close', () => finish(new TailgateError('cancelled', 'connect abandoned'), null));
        raw.once('connect', () => {
          if (options.protocol === 'https:') return direct(raw);
          if (this.config.httpVersion === 2) (raw as TrackedSocket & { alpnProtocol: string }).alpnProtocol = 'h2';
          finish(null, raw);
        });
        return;
      }
      if (this.config.proxy === null) {
        direct();
        return;
      }
      openTunnel(this.config.proxy as string, options, (err, tunnelSocket) => {
        if (err || !tunnelSocket) return finish(err ?? new Error('proxy tunnel failed'), null);
        if (options.protocol === 'https:') return direct(tunnelSocket);
        if (this.config.httpVersion === 2) (tunnelSocket as TrackedSocket & { alpnProtocol: string }).alpnProtocol = 'h2';
        finish(null, tunnelSocket);
      }, (socket) => {
        pending = socket;
        onPending(socket);
      });
    };
  }

  private budgetFor(destination: string, range: { from: number; to: number }): PortBudget {
    let b = this.budgets.get(destination);
    if (!b) this.budgets.set(destination, (b = new PortBudget(range.from, range.to, this.config.pool.portHoldMs)));
    return b;
  }

  /**
   * A TCP connect bound to a local port from the budget (pool.localPorts). No free port fails at once
   * with port_exhausted, naming the budget; the port is held once the socket closes, however it closes.
   */
  private bindFromBudget(budget: PortBudget, options: ConnectOptions, fail: (err: Error) => void): Socket | null {
    const localPort = budget.take();
    if (localPort === null) {
      const ports = { budget: budget.size, inUse: budget.inUse, held: budget.heldCount };
      fail(
        new TailgateError(
          'port_exhausted',
          `no local port free for ${options.hostname}:${options.port}: all ${ports.budget} of pool.localPorts ${budget.from}-${budget.to} are in use (${ports.inUse}) or held after close (${ports.held})`,
          { ports },
        ),
      );
      return null;
    }
    const raw = net.connect({ host: options.hostname, port: Number(options.port) || (options.protocol === 'https:' ? 443 : 80), localPort });
    raw.once('close', () => budget.release(localPort));
    // Errors before connect (EADDRINUSE: the kernel holds the port too) end the connect; classifyError names them.
    raw.once('error', (err) => fail(err));
    return raw;
  }
}
