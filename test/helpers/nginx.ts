/**
 * A real nginx on loopback, whose access log is a count tailgate did not make: one line per request it
 * answered, with the status. Debian's nginx (apt-get install nginx; .ci/run installs it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p)) ?? null;

export interface Nginx {
  url: string;
  /** The access log's lines: "<status> <method> <uri>" each. */
  accessLog(): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startNginx(): Promise<Nginx> {
  if (!NGINX) throw new Error('nginx is not installed (apt-get install nginx)');
  const prefix = await mkdtemp(join(tmpdir(), 'tailgate-nginx-'));
  const port = await freePort();
  const log = join(prefix, 'access.log');
  await writeFile(
    join(prefix, 'nginx.conf'),
    `daemon off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 1024; }
http {
  log_format counted '$status $request_method $request_uri';
  access_log ${log} counted;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:${port};
    location / { return 200 '{"ok":true}'; }
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
