/**
 * `--metrics-port [HOST:]PORT`: a Prometheus scrape endpoint, GET /metrics, on 127.0.0.1 unless a host is
 * given. It renders whatever the live export holds at the moment of the scrape. Bounded: a few connections,
 * short request and idle timeouts, nothing but GET /metrics answered.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Family } from './families.js';
import { prometheusText, TEXT_CONTENT_TYPE } from './prometheus-text.js';

export const SCRAPE_PATH = '/metrics';
const MAX_CONNECTIONS = 32;
const TIMEOUT_MS = 10_000;

export interface ScrapeServer {
  readonly url: string;
  /** Scrapes answered so far. */
  readonly scrapes: number;
  close(): Promise<void>;
}

export async function startScrapeServer(host: string, port: number, families: () => readonly Family[]): Promise<ScrapeServer> {
  let scrapes = 0;
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== SCRAPE_PATH) return void res.writeHead(404, { 'content-type': 'text/plain' }).end(`only ${SCRAPE_PATH} here\n`);
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('GET only\n');
    scrapes++;
    res.writeHead(200, { 'content-type': TEXT_CONTENT_TYPE }).end(req.method === 'HEAD' ? undefined : prometheusText(families()));
  });
  server.maxConnections = MAX_CONNECTIONS;
  server.requestTimeout = TIMEOUT_MS;
  server.headersTimeout = TIMEOUT_MS;
  server.keepAliveTimeout = TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.address.includes(':') ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}${SCRAPE_PATH}`,
    get scrapes() {
      return scrapes;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
