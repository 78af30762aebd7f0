/**
 * What `tailgate proxy` and `tailgate observe` share: their flags checked before anything listens, the
 * proxy started, a live line while it runs, and at the end the report printed, gated and written.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { FaultConfigError, readFaultFile } from '../../mock-server/index.js';
import { InvalidInputError, redactUrl, targetUrlProblem } from '../engine/index.js';
import { BUCKET_BOUNDS_US, type LiveExport } from '../export/index.js';
import { parseGateExpressions } from '../metrics/index.js';
import { certificateNames, liveLine, makeProxyCertificate, proxyReport, resolveProxyFaults, startProxy, twinYaml, type Proxy } from '../proxy/index.js';
import { gateFailed, runGate } from '../report/index.js';
import { newRunId, watchLive as sampleEachSecond } from '../runner/index.js';
import { exportConfigOf, startExport, type ExportArgs } from './export-flags.js';
import type { CliIo } from './io.js';
import { printSummary } from './outputs.js';
import { prepareOutDir, writeOutputFile } from './output-files.js';

export interface ProxyArgs extends ExportArgs {
  upstream?: string;
  listen: string;
  faults?: string;
  out: string;
  client?: string;
  'upstream-http'?: number;
  'upstream-ca'?: string;
  threshold?: string[];
  twin?: string;
  tls?: boolean;
  'tls-ca'?: string;
}

/** yargs options both commands take. */
export const PROXY_OPTIONS = {
  upstream: { type: 'string', describe: 'the real server (or a tailgate mock): requests go there with their paths unchanged' },
  listen: { type: 'string', default: '127.0.0.1:0', describe: 'HOST:PORT to listen on (port 0: any free one); loopback unless told otherwise' },
  faults: { type: 'string', describe: "a mock faults file (YAML/JSON) applied to the live traffic: latency, 429/5xx, resets, idle kills, down windows, slow bodies, stream stalls" },
  out: { type: 'string', default: 'reports', describe: 'directory for the report JSON' },
  client: { type: 'string', describe: 'one profile name for every client (default: each User-Agent is its own profile)' },
  'upstream-http': { type: 'number', choices: [1, 2], describe: 'HTTP version asked of the upstream (default 2 over https: with ALPN falling back to 1.1, 1 over http:)' },
  'upstream-ca': { type: 'string', describe: "a PEM file of the CA that signed the upstream's certificate (a private CA)" },
  threshold: { type: 'string', array: true, describe: "gate the clients' profiles: 'p(99)<300ms', 'error_rate<1%' (repeatable)" },
  twin: { type: 'string', describe: 'write a twin of the upstream here: a mock faults file replaying its latency, statuses and idle timeout (tailgate mock --faults FILE)' },
  tls: { type: 'boolean', default: false, describe: 'serve clients over TLS (h2 and http/1.1 by ALPN) with a certificate the proxy makes; its CA is written to --tls-ca for the client to trust' },
  'tls-ca': { type: 'string', describe: 'where --tls writes the CA file to hand the client (default: OUT/proxy-ca.pem)' },
} as const;

export interface Prepared {
  upstream: string;
  host: string;
  port: number;
  faults: unknown;
  ca?: string;
  thresholds: string[];
  /** --tls: the certificate made for this run, where its CA was written, and the CA with the roots it stands beside (SSL_CERT_FILE). */
  tls?: { key: string; cert: string; caFile: string; bundleFile: string };
  /** --export, --metrics-port: each client's seconds, as a run's profile's (scenario "proxy", profile the client). */
  live: LiveExport | null;
}

/** Every flag checked, the faults file and CA read, the output folder made: before the proxy listens (exit 2). */
export async function prepareProxy(args: ProxyArgs, upstream: string | undefined, io: CliIo): Promise<Prepared> {
  const problems: string[] = [];
  if (upstream === undefined) problems.push('--upstream is required: the URL of the real server (or set OPENAI_BASE_URL for observe)');
  else {
    const problem = targetUrlProblem('--upstream', upstream);
    if (problem) problems.push(problem);
  }
  const listen = parseListen(args.listen);
  if (typeof listen === 'string') problems.push(listen);
  const thresholds = args.threshold ?? [];
  try {
    if (thresholds.length) parseGateExpressions(thresholds, []);
  } catch (err) {
    problems.push(...((err as { problems?: string[] }).problems ?? [(err as Error).message]));
  }
  if (args['tls-ca'] !== undefined && !args.tls) problems.push('--tls-ca names where --tls writes its CA file: give --tls too');
  if (problems.length) throw new InvalidInputError('arguments', problems);
  const exportConfig = exportConfigOf(args);
  let faults: unknown;
  if (args.faults) {
    try {
      faults = await readFaultFile(args.faults);
      resolveProxyFaults(faults, args.faults);
    } catch (err) {
      if (err instanceof FaultConfigError) throw new InvalidInputError(`fault file ${args.faults}`, err.problems);
      throw err;
    }
  }
  let ca: string | undefined;
  if (args['upstream-ca']) ca = await readFile(args['upstream-ca'], 'utf8').catch((err: Error) => Promise.reject(new InvalidInputError('--upstream-ca', [`cannot read ${args['upstream-ca']}: ${err.message}`])));
  await prepareOutDir(args.out, '--out');
  const { host, port } = listen as { host: string; port: number };
  const tls = args.tls ? await makeTls(host, args['tls-ca'] ?? join(args.out, 'proxy-ca.pem'), process.env.SSL_CERT_FILE) : undefined;
  // Last: a scrape port that cannot be had is exit 2 too, and nothing after it can fail.
  const live = await startExport(exportConfig, io);
  return { upstream: upstream as string, host, port, faults, thresholds, live, ...(ca !== undefined ? { ca } : {}), ...(tls ? { tls } : {}) };
}

/**
 * The certificate for a proxy on `host`, its CA written to `caFile`, and beside it `…-bundle.pem`: the CA
 * followed by the roots a client reading SSL_CERT_FILE would otherwise trust (the file `sslCertFile`
 * names, else Node's bundled roots), since Python's ssl reads that file instead of its roots, not besides
 * them. A write that fails is exit 2, before anything listens.
 */
async function makeTls(host: string, caFile: string, sslCertFile: string | undefined): Promise<NonNullable<Prepared['tls']>> {
  const made = await makeProxyCertificate(certificateNames(host));
  const roots = (sslCertFile ? await readFile(sslCertFile, 'utf8').catch(() => null) : null) ?? rootCertificates.join('\n');
  const bundleFile = caFile.replace(/(\.pem)?$/, '-bundle.pem');
  for (const [file, content] of [[caFile, made.ca], [bundleFile, `${made.ca}\n${roots}\n`]] as const) {
    try {
      await writeOutputFile(file, content);
    } catch (err) {
      throw new InvalidInputError('--tls-ca', [`cannot write ${file}: ${(err as Error).message}`]);
    }
  }
  return { key: made.key, cert: made.cert, caFile, bundleFile };
}

/** "HOST:PORT", "[::1]:PORT" or "PORT" (on 127.0.0.1); a problem as a string. */
export function parseListen(value: string): { host: string; port: number } | string {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$|^(\d+)$/.exec(value.trim());
  const port = Number(m?.[3] ?? m?.[4]);
  if (!m || !Number.isInteger(port) || port < 0 || port > 65_535) return `--listen must be HOST:PORT or PORT (port 0..65535), got ${JSON.stringify(value)}`;
  return { host: m[1] ?? m[2] ?? '127.0.0.1', port };
}

export async function openProxy(p: Prepared, args: ProxyArgs): Promise<Proxy> {
  const runId = newRunId();
  const live = p.live;
  return startProxy({
    ...(live
      ? {
          onClient: (client) => {
            const run = { runId, scenario: 'proxy', profile: client.name, shard: 1, shards: 1, startMs: Date.now() };
            sampleEachSecond(client.metrics, run, { boundsUs: BUCKET_BOUNDS_US, onSample: live.onSample });
          },
        }
      : {}),
    upstream: p.upstream,
    host: p.host,
    port: p.port,
    faults: p.faults,
    ...(args.client ? { clientName: args.client } : {}),
    ...(args['upstream-http'] ? { upstreamHttpVersion: args['upstream-http'] as 1 | 2 } : {}),
    ...(p.ca !== undefined ? { upstreamCa: p.ca } : {}),
    ...(p.tls ? { tls: { key: p.tls.key, cert: p.tls.cert } } : {}),
  }).catch(async (err: unknown) => {
    await live?.close();
    throw err;
  });
}

/** What to tell the user about --tls: the CA file and how clients take it. */
export function tlsHint(p: Prepared): string {
  if (!p.tls) return '';
  const { caFile, bundleFile } = p.tls;
  return `  TLS (h2, http/1.1): have your client trust ${caFile} (httpx: verify="${caFile}"; Node: NODE_EXTRA_CA_CERTS=${caFile}; Python's ssl: SSL_CERT_FILE=${bundleFile}; curl --cacert ${caFile})\n`;
}

/**
 * The environment observe's command runs with: its base URL is the proxy's, and with --tls it trusts the
 * proxy's CA without a change to its code: Node adds NODE_EXTRA_CA_CERTS to its own roots; Python's ssl
 * (httpx, aiohttp, openai-python) reads SSL_CERT_FILE, the CA with the roots it replaces.
 */
export function clientEnv(proxy: Proxy, p: Prepared, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env, OPENAI_BASE_URL: proxy.clientUrl, TAILGATE_PROXY_URL: proxy.clientUrl };
  if (!p.tls) return out;
  return { ...out, TAILGATE_PROXY_CA: p.tls.caFile, NODE_EXTRA_CA_CERTS: p.tls.caFile, SSL_CERT_FILE: p.tls.bundleFile };
}

/** A live line each second on a terminal, every 5 s in a pipe (stderr: stdout is the report's, and observe's command's). */
export function watchLive(proxy: Proxy, io: CliIo): () => void {
  const started = Date.now();
  let lastPlain = 0;
  const timer = setInterval(() => {
    const elapsed = (Date.now() - started) / 1000;
    if (io.isTTY) io.err(`\r\x1b[2K${liveLine(proxy.recorder, elapsed)}`);
    else if (elapsed - lastPlain >= 5) {
      lastPlain = elapsed;
      io.err(`${liveLine(proxy.recorder, elapsed)}\n`);
    }
  }, 1000);
  timer.unref();
  return () => {
    clearInterval(timer);
    if (io.isTTY) io.err('\r\x1b[2K');
  };
}

/**
 * Stop the proxy, print the clients' tables and findings, gate the thresholds, write the report, push the
 * live export's last seconds; true when a threshold failed.
 */
export async function finishProxy(proxy: Proxy, p: Prepared, out: string, io: CliIo, twin?: string): Promise<boolean> {
  await proxy.close();
  // Each client's metrics stop here, and their last second goes to the live export.
  const report = proxyReport(proxy, { thresholds: p.thresholds });
  try {
    return await writeProxyOutputs(proxy, p, report, out, io, twin);
  } finally {
    await p.live?.close();
  }
}

async function writeProxyOutputs(proxy: Proxy, p: Prepared, report: ReturnType<typeof proxyReport>, out: string, io: CliIo, twin: string | undefined): Promise<boolean> {
  const checks = runGate(report, { thresholds: p.thresholds, maxRegression: [] });
  if (report.profiles.length === 0) io.out(`no client sent a request through the proxy (${proxy.recorder.silentConnections} connections without one)\n`);
  else printSummary(report, checks, io);
  const file = join(out, `proxy-${report.startedAt.replace(/[:.]/g, '-')}.json`);
  await writeOutputFile(file, JSON.stringify(report, null, 2));
  io.out(`report: ${file} (upstream ${redactUrl(proxy.upstream)})\n`);
  if (twin) {
    await writeOutputFile(twin, twinYaml(proxy.knowledge, redactUrl(proxy.upstream)));
    io.out(`twin: ${twin} (tailgate mock --faults ${twin})\n`);
  }
  return gateFailed(checks, false);
}
