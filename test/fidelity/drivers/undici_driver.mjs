// Differential driver: the real undici (npm; a Pool per run) against the case's server.
// usage: node undici_driver.mjs SPEC_JSON  -> one JSON line of outcomes (see run.ts, Spec).
// Settings map to Pool options as a user writes them: pool.connections -> connections, pool.keepAliveMs ->
// keepAliveTimeout, pool.keepAliveMaxMs -> keepAliveMaxTimeout, pool.maxRequestsPerConnection ->
// maxRequestsPerClient, pool.pipelining -> pipelining, httpVersion 2 -> allowH2 (with useH2c: prior knowledge over http:), timeouts.connect ->
// connectTimeout, timeouts.read -> headersTimeout, timeouts.body -> bodyTimeout (null: 0, off).
import { createRequire } from 'node:module';
import { Pool } from 'undici';
import { bodyOf, driverOutput, runWaves } from './common.mjs';

const version = createRequire(import.meta.url)('undici/package.json').version;
const spec = JSON.parse(process.argv[2]);
const { pool: p = {}, timeouts: t = {}, httpVersion } = spec.settings ?? {};
const given = (v) => v !== undefined;
const pool = new Pool(spec.url, {
  ...(given(p.connections) ? { connections: p.connections } : {}),
  ...(given(p.keepAliveMs) ? { keepAliveTimeout: p.keepAliveMs } : {}),
  ...(given(p.keepAliveMaxMs) ? { keepAliveMaxTimeout: p.keepAliveMaxMs } : {}),
  ...(given(p.maxRequestsPerConnection) ? { maxRequestsPerClient: p.maxRequestsPerConnection } : {}),
  ...(given(p.pipelining) ? { pipelining: p.pipelining } : {}),
  ...(httpVersion === 2 ? { allowH2: true, connect: { useH2c: true } } : {}),
  ...(given(t.connect) ? { connectTimeout: t.connect } : {}),
  ...(given(t.read) ? { headersTimeout: t.read ?? 0 } : {}),
  ...(given(t.body) ? { bodyTimeout: t.body ?? 0 } : {}),
  ...spec.native,
});

function classify(err, inBody) {
  const code = err?.code ?? err?.cause?.code;
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return 'connect_timeout';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return 'read_timeout';
  if (inBody) return 'body_error';
  if (code === 'ECONNREFUSED') return 'connect_error';
  if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE') return 'reset';
  return 'other';
}

const out = driverOutput('undici', version);
const body = bodyOf(spec);
await runWaves(spec, out, async () => {
  const res = await pool.request({ path: spec.path, method: spec.method, body, headers: { 'content-type': 'application/json' } }).catch((err) => {
    throw Object.assign(err, { class: classify(err, false) });
  });
  await res.body.text().catch((err) => {
    throw Object.assign(err, { class: classify(err, true) });
  });
  return res.statusCode;
});
console.log(JSON.stringify(out));
await pool.destroy();
