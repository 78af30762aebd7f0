/**
 * A plain node:http server for arrival tests: records when each request's head arrived (performance.now,
 * the same clock as the runner's), its path and body, and answers 200 at once so arrivals never queue
 * behind answers. Counts connections too, to prove that a refused run opened none.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Seen {
  at: number;
  path: string;
  body: string;
}

export async function startRecordingServer(): Promise<{ url: string; seen: Seen[]; connections: () => number; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  let connections = 0;
  const server = http.createServer((req, res) => {
    const at = performance.now();
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      seen.push({ at, path: req.url ?? '', body });
      res.end('{}');
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Coefficient of variation of the gaps between sorted times. */
export function gapCv(times: number[]): number {
  const t = [...times].sort((a, b) => a - b);
  const gaps = t.slice(1).map((x, i) => x - (t[i] as number));
  const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  const variance = gaps.reduce((a, b) => a + (b - mean) ** 2, 0) / gaps.length;
  return Math.sqrt(variance) / mean;
}
