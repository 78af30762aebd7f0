/**
 * Small, purpose-built faulty servers on 127.0.0.1 port 0, each producing one failure deterministically.
 * Every helper returns `close()`; tests call it in afterEach/finally so nothing outlives its test.
 */
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

export interface Running {
  url: string;
  port: number;
  close(): Promise<void>;
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });
}

function closer(server: net.Server, sockets: Set<net.Socket>): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
}

function track(server: net.Server): Set<net.Socket> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return sockets;
}

/** An ordinary node:http server running `handler`. Counts connections and requests it saw. */
export async function startHttpServer(
  handler: http.RequestListener,
  options: http.ServerOptions = {},
): Promise<Running & { connections: () => number; requests: () => number; server: http.Server }> {
  let connections = 0;
  let requests = 0;
  const server = http.createServer({ keepAliveTimeout: 60_000, ...options }, (req, res) => {
    requests++;
    handler(req, res);
  });
  server.on('connection', () => connections++);
  const sockets = track(server);
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    connections: () => connections,
    requests: () => requests,
    close: closer(server, sockets),
  };
}

/** Answers every request with `status` and a small body (after `delayMs`). */
export function startStatusServer(status: number, delayMs = 0, headers: Record<string, string> = {}) {
  return startHttpServer((req, res) => {
    req.resume();
    req.on('end', () => {
      setTimeout(() => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify({ status, path: req.url }));
      }, delayMs);
    });
  });
}

/** A port nothing listens on: connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Accepts connections, reads requests, never answers and never closes. */
export async function startSilentServer(): Promise<Running> {
  const server = net.createServer((s) => s.resume());
  const sockets = track(server);
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, port, close: closer(server, sockets) };
}

/** Accepts connections but never reads from them: a large request body stalls in the kernel buffers. */
export async function startNonReadingServer(): Promise<Running> {
  const server = net.createServer({ pauseOnConnect: true }, () => {});
  const sockets = track(server);
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, port, close: closer(server, sockets) };
}

/** Sends headers and `firstChunk`, then stalls the body forever. */
export function startStalledBodyServer(firstChunk = 'partial') {
  return startHttpServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write(firstChunk);
  });
}

/** Sends `chunks` body chunks, `gapMs` apart. */
export function startChunkedServer(chunks: number, gapMs: number) {
  return startHttpServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain' });
    let sent = 0;
    const tick = () => {
      if (res.destroyed) return;
      res.write(`chunk-${sent}\n`);
      if (++sent === chunks) res.end();
      else setTimeout(tick, gapMs);
    };
    tick();
  });
}

/**
 * The dead keep-alive race, made deterministic: answers the first request on a connection with
 * keep-alive, then resets (RST) the socket when the next request arrives on it.
 */
export async function startResetOnReuseServer(): Promise<Running & { resets: () => number }> {
  let resets = 0;
  const server = net.createServer((socket) => {
    let served = 0;
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      while (buffered.includes('\r\n\r\n')) {
        buffered = buffered.slice(buffered.indexOf('\r\n\r\n') + 4);
        if (served === 0) {
          served++;
          socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok');
        } else {
          resets++;
          socket.resetAndDestroy();
          return;
        }
      }
    });
    socket.on('error', () => {});
  });
  const sockets = track(server);
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, port, resets: () => resets, close: closer(server, sockets) };
}

/** Closes every connection with a FIN right after its first response. */
export async function startCloseAfterResponseServer(): Promise<Running> {
  const server = net.createServer((socket) => {
    socket.once('data', () => {
      socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
    });
    socket.on('error', () => {});
  });
  const sockets = track(server);
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, port, close: closer(server, sockets) };
}

/** Answers with something that is not HTTP. */
export async function startGarbageServer(): Promise<Running> {
  const server = net.createServer((socket) => {
    socket.once('data', () => socket.end('this is not http\r\n\r\n'));
    socket.on('error', () => {});
  });
  const sockets = track(server);
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, port, close: closer(server, sockets) };
}

const BACKLOG_CHILD = fileURLToPath(new URL('./backlog-child.cjs', import.meta.url));

/**
 * A listener that never accepts and whose accept queue is full, so new connects hang (the SYN is
 * dropped) and the client sees a connect timeout. It lives in a child process that blocks its own event
 * loop after listen(), which is the only way to stop Node from accepting.
 */
export async function startFullBacklogListener(queued = 8): Promise<Running> {
  const child: ChildProcess = fork(BACKLOG_CHILD, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve(Number(m)));
    child.once('error', reject);
  });
  // Fill the accept queue: these handshakes complete in the kernel and are never accepted.
  const fillers: net.Socket[] = [];
  // (Its accept queue holds two: queued = 1 leaves room for exactly one more connection, such as a
  // runner’s reachability check, before connects start to hang.)
  for (let i = 0; i < queued; i++) {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.on('error', () => {});
    fillers.push(s);
  }
  await new Promise((r) => setTimeout(r, 200));
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: async () => {
      for (const s of fillers) s.destroy();
      child.kill('SIGKILL');
    },
  };
}

/** A minimal HTTP CONNECT proxy that counts the tunnels it opened. */
export async function startConnectProxy(): Promise<Running & { tunnels: () => string[] }> {
  const tunnels: string[] = [];
  const server = http.createServer((_req, res) => {
    res.writeHead(405);
    res.end();
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    tunnels.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect({ host, port: Number(port) }, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  const sockets = track(server);
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, port, tunnels: () => tunnels, close: closer(server, sockets) };
}

/** An HTTP/2 server with prior knowledge (h2c). Reports the protocol each request arrived on. */
export async function startH2cServer(): Promise<Running & { sessions: () => number }> {
  let sessions = 0;
  const server = http2.createServer();
  server.on('session', () => sessions++);
  server.on('stream', (stream, headers) => {
    stream.respond({ ':status': 200, 'content-type': 'application/json' });
    stream.end(JSON.stringify({ httpVersion: '2.0', path: headers[':path'] }));
  });
  const openSessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => {
    openSessions.add(s);
    s.on('close', () => openSessions.delete(s));
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    sessions: () => sessions,
    close: () =>
      new Promise((resolve) => {
        for (const s of openSessions) s.destroy();
        server.close(() => resolve());
      }),
  };
}
