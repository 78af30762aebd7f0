import type { CommandModule } from 'yargs';
import { HTTP_METHODS } from '../../util/index.js';
import { InvalidInputError, redactUrl, targetUrlProblem, type HttpMethod } from '../../engine/index.js';
import { probe, PROBE_DEFAULTS, statusesText, TargetUnreachableError, type ProbeResult } from '../../runner/index.js';
import { parseDurationS } from '../duration.js';
import { EXIT } from '../exit-codes.js';
import { safeText } from '../../report/index.js';
import type { CliIo } from '../io.js';

interface ProbeArgs {
  url: string;
  path: string;
  method: string;
  body?: string;
  header?: string[];
  json: boolean;
  'max-idle': string;
  'max-requests': number;
  'find-rate-limit': boolean;
  'max-rate': number;
  rate: number;
}

const METHODS = HTTP_METHODS;

export function describeProbe(r: ProbeResult): string {
  const lines = [`probe of ${safeText(r.url)}`];
  lines.push(`  answers            ${statusesText(r.statuses)}`);
  // Nothing else was measured on a path that never answered 2xx: say why, and only that.
  if (r.noRecommendations) return `${[...lines, '', `no recommendations: ${safeText(r.noRecommendations)}`].join('\n')}\n`;
  const l = r.latencyMs;
  lines.push(`  latency            ${l ? `p50 ${l.p50.toFixed(1)} ms, p90 ${l.p90.toFixed(1)} ms, p99 ${l.p99.toFixed(1)} ms, max ${l.max.toFixed(1)} ms (${l.samples} 2xx answers)` : 'unknown'}`);
  const c = r.connectMs;
  lines.push(`  connect            ${c === null ? 'unknown' : `median ${c.median.toFixed(1)} ms of ${c.samples} (${c.min.toFixed(1)}–${c.max.toFixed(1)} ms)`}`);
  const k = r.keepAlive;
  lines.push(
    `  idle timeout       ${k.idleTimeoutMs === null ? 'none seen within the watch time' : `${(k.idleTimeoutMs / 1000).toFixed(2)} s (${k.how === 'fin' ? 'the server closes idle connections' : 'found by reusing after idle: the server drops them silently'})`}`,
  );
  lines.push(`  Keep-Alive hint    ${k.hintS === null ? 'none sent' : `timeout=${k.hintS} s${k.hintTrue === null ? '' : k.hintTrue ? ' (true)' : ' (WRONG: not what the server does)'}`}`);
  const m = r.maxRequestsPerConnection;
  lines.push(`  requests/connection ${m.value !== null ? `${m.value} (every answer counts, whatever its status; the same on ${m.connections} connections${m.saidClose ? ', announced with Connection: close' : ''})` : `no limit seen in ${m.atLeast}`}`);
  lines.push(`  HTTP/2             ${r.http2.tls !== null ? (r.http2.tls ? 'yes (ALPN h2)' : 'no') : r.http2.h2c ? 'yes (h2c, prior knowledge)' : 'no h2c'}`);
  if (r.rateLimit) lines.push(`  rate limit         ${r.rateLimit.startsAtRps === null ? 'no 429 up to the maximum rate tried' : `429s above ~${r.rateLimit.startsAtRps} req/s (first seen at ${r.rateLimit.firstLimitedStageRps} req/s; Retry-After ${r.rateLimit.retryAfter ?? 'none'})`}`);
  for (const note of r.notes ?? []) lines.push(`  note               ${safeText(note)}`);
  lines.push('', 'recommended client settings:');
  for (const rec of r.recommendations) lines.push(`  ${rec.setting.padEnd(28)} ${rec.value.padEnd(12)} ${rec.why}`);
  return `${lines.join('\n')}\n`;
}

export function probeCommand(io: CliIo, setExit: (code: number) => void): CommandModule<object, ProbeArgs> {
  return {
    command: 'probe <url>',
    describe: "measure a server's keep-alive and connection limits, HTTP/2 and latency, and recommend client settings",
    builder: (y) =>
      y
        .positional('url', { type: 'string', demandOption: true })
        .option('path', { type: 'string', default: '/', describe: 'path to request' })
        .option('method', { type: 'string', default: 'GET' })
        .option('body', { type: 'string', describe: 'request body (JSON)' })
        .option('header', { type: 'string', array: true, describe: "extra header 'name: value' (repeatable)" })
        .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON' })
        .option('max-idle', { type: 'string', default: `${PROBE_DEFAULTS.maxIdleMs / 1000}s`, describe: 'longest idle time to watch for' })
        .option('max-requests', { type: 'number', default: PROBE_DEFAULTS.maxRequests, describe: 'requests on one connection, looking for its limit' })
        .option('find-rate-limit', { type: 'boolean', default: false, describe: 'also ramp the rate (capped by --max-rate) to find where 429s start' })
        .option('max-rate', { type: 'number', default: PROBE_DEFAULTS.maxRate, describe: 'never send faster than this (requests/s)' })
        .option('rate', { type: 'number', default: PROBE_DEFAULTS.targetRate, describe: 'your expected rate, to size the pool' }) as never,
    handler: async (args) => {
      const problems: string[] = [];
      const urlProblem = targetUrlProblem('URL', args.url);
      if (urlProblem) problems.push(urlProblem);
      if (!(METHODS as readonly string[]).includes(args.method.toUpperCase())) problems.push(`--method must be one of ${METHODS.join(', ')}`);
      if (!args.path.startsWith('/')) problems.push('--path must start with /');
      if (!Number.isInteger(args['max-requests']) || args['max-requests'] < 2 || args['max-requests'] > 10_000) problems.push('--max-requests must be an integer in 2..10000');
      if (!(args['max-rate'] > 0 && args['max-rate'] <= 10_000)) problems.push('--max-rate must be in 1..10000');
      const headers: Record<string, string> = {};
      for (const h of args.header ?? []) {
        const i = h.indexOf(':');
        if (i <= 0) problems.push(`--header must be 'name: value', got ${JSON.stringify(h)}`);
        else headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
      }
      if (problems.length) throw new InvalidInputError('arguments', problems);
      const maxIdleMs = parseDurationS(args['max-idle'], '--max-idle') * 1000;
      try {
        const result = await probe(args.url, {
          path: args.path,
          method: args.method.toUpperCase() as HttpMethod,
          body: args.body ?? null,
          headers: args.body ? { 'content-type': 'application/json', ...headers } : headers,
          maxIdleMs,
          maxRequests: args['max-requests'],
          findRateLimit: args['find-rate-limit'],
          maxRate: args['max-rate'],
          targetRate: args.rate,
          ...(args.json ? {} : { log: (line: string) => io.err(`… ${line}\n`) }),
        });
        io.out(args.json ? `${JSON.stringify(result, null, 2)}\n` : describeProbe(result));
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (err instanceof TargetUnreachableError || (code && code.startsWith('connect'))) {
          io.err(`tailgate: cannot probe ${redactUrl(args.url)}: ${(err as Error).message}\n`);
          setExit(EXIT.couldNotRun);
          return;
        }
        throw err;
      }
    },
  };
}
