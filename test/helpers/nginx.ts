/**
 * A real nginx on loopback, whose access log is a count tailgate did not make: one line per request it
 * answered, with the status. Debian's nginx (apt-get install nginx; .ci/run installs it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p)) ?? null;

export interface Nginx {
  url: string;
  /** The access log's lines: "<status> <method> <uri>" each. */
  accessLog(): Promise<string[]>;
  /** The same requests with the connection nginx served each on: its serial number, and the request's number on it. */
  connectionLog(): Promise<{ connection: number; request: number; status: number; uri: string }[]>;
  stop(): Promise<void>;
}

/** What a test sets (nginx's own directives; each default is nginx's unless said). */
export interface NginxOptions {
  /** keepalive_timeout, e.g. '2s'. */
  keepaliveTimeout?: string;
  /** keepalive_requests; default here 100000 (nginx's 1000 would end a long test's connections). */
  keepaliveRequests?: number;
  /** limit_req on /limited (answered 429 beyond it, a static file within it): rate per second and burst, nodelay. */
  limitReq?: { ratePerS: number; burst: number };
}

/**
 * Paths: / answers 200 (a `return`, which runs before limit_req could), /missing answers 404, /limited
 * is a static file behind limit_req.
 */
export async function startNginx(options: NginxOptions = {}): Promise<Nginx> {
  if (!NGINX) throw new Error('nginx is not installed: bash scripts/test-packages.sh installs it (npm test runs that first)');
  const prefix = await mkdtemp(join(tmpdir(), 'tailgate-nginx-'));
  const port = await freePort();
  const log = join(prefix, 'access.log');
  const connLog = join(prefix, 'connections.log');
  // nginx's workers drop root for an unprivileged user, who must be able to read the static file.
  await chmod(prefix, 0o755);
  await mkdir(join(prefix, 'html'), { mode: 0o755 });
  await writeFile(join(prefix, 'html', 'ok.json'), '{"ok":true}', { mode: 0o644 });
  const limit = options.limitReq;
  await writeFile(
    join(prefix, 'nginx.conf'),
    `daemon off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 1024; }
http {
  log_format counted '$status $request_method $request_uri';
  log_format connections '$connection $connection_requests $status $request_uri';
  access_log ${log} counted;
  access_log ${connLog} connections;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  keepalive_requests ${options.keepaliveRequests ?? 100000};
  ${options.keepaliveTimeout ? `keepalive_timeout ${options.keepaliveTimeout};` : ''}
  ${limit ? `limit_req_zone $server_port zone=tailgate:1m rate=${limit.ratePerS}r/s;
  limit_req_status 429;` : ''}
  server {
    listen 127.0.0.1:${port};
    root ${prefix}/html;
    location / { return 200 '{"ok":true}'; }
    location = /missing { return 404; }
    location = /limited {
      ${limit ? `limit_req zone=tailgate burst=${limit.burst} nodelay;` : ''}
      default_type application/json;
      try_files /ok.json =404;
    }
  }
}
`,
  );
  const child: ChildProcess = spawn(NGINX, ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', join(prefix, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  // Up when it accepts a connection.
  for (let i = 0; ; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (up) break;
    if (i > 100 || child.exitCode !== null) throw new Error(`nginx did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    accessLog: async () => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean),
    connectionLog: async () =>
      (await readFile(connLog, 'utf8').catch(() => ''))
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [connection, request, status, uri] = line.split(' ');
          return { connection: Number(connection), request: Number(request), status: Number(status), uri: uri ?? '' };
        }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        // QUIT: a graceful stop that writes out the access log's buffer (none here: it is unbuffered).
        child.kill('SIGQUIT');
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      }),
  };
}
