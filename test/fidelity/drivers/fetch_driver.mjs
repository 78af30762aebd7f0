// Differential driver: Node's global fetch (its bundled undici, on the global Agent) against the mock.
// usage: node fetch_driver.mjs SPEC_JSON  -> one JSON line of outcomes (see ../README.md).
// fetch has no pool or read settings without a dispatcher; the one knob users set is a per-request
// AbortSignal.timeout: timeouts.attempt.
import { driverOutput, runWaves } from './common.mjs';

const spec = JSON.parse(process.argv[2]);
const attempt = spec.settings?.timeouts?.attempt;

function classify(err, inBody) {
  if (err?.name === 'TimeoutError') return 'timeout';
  if (inBody) return 'body_error';
  let c = err?.cause;
  while (c?.cause && !c.code) c = c.cause;
  const code = c?.code;
  if (code === 'ECONNREFUSED') return 'connect_error';
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return 'connect_timeout';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return 'read_timeout';
  if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE') return 'reset';
  return 'other';
}

const out = driverOutput('fetch', process.versions.undici);
await runWaves(spec, out, async () => {
  const init = { method: 'POST', body: JSON.stringify({ input: 'hello', model: 'm' }), headers: { 'content-type': 'application/json' }, ...(attempt ? { signal: AbortSignal.timeout(attempt) } : {}) };
  const res = await fetch(`${spec.url}/v1/embeddings`, init).catch((err) => {
    throw Object.assign(err, { class: classify(err, false) });
  });
  await res.text().catch((err) => {
    throw Object.assign(err, { class: classify(err, true) });
  });
  return res.status;
});
console.log(JSON.stringify(out));
process.exit(0);
