// Differential driver: the real undici (npm; a Pool per run) against the tailgate mock.
// usage: node undici_driver.mjs SPEC_JSON  -> one JSON line of outcomes (see ../README.md).
// Settings map to Pool options: pool.connections -> connections, pool.keepAliveMs -> keepAliveTimeout,
// timeouts.connect -> connectTimeout, timeouts.read -> headersTimeout and bodyTimeout.
import { createRequire } from 'node:module';
import { Pool } from 'undici';
import { driverOutput, runWaves } from './common.mjs';

const version = createRequire(import.meta.url)('undici/package.json').version;
const spec = JSON.parse(process.argv[2]);
const { pool: p = {}, timeouts: t = {} } = spec.settings ?? {};
const pool = new Pool(spec.url, {
  ...(p.connections !== undefined ? { connections: p.connections } : {}),
  ...(p.keepAliveMs !== undefined ? { keepAliveTimeout: p.keepAliveMs } : {}),
  ...(t.connect !== undefined ? { connectTimeout: t.connect } : {}),
  ...(t.read !== undefined ? { headersTimeout: t.read, bodyTimeout: t.read } : {}),
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
await runWaves(spec, out, async () => {
  const res = await pool.request({ path: '/v1/embeddings', method: 'POST', body: JSON.stringify({ input: 'hello', model: 'm' }), headers: { 'content-type': 'application/json' } }).catch((err) => {
    throw Object.assign(err, { class: classify(err, false) });
  });
  await res.body.text().catch((err) => {
    throw Object.assign(err, { class: classify(err, true) });
  });
  return res.statusCode;
});
console.log(JSON.stringify(out));
await pool.destroy();
