// Differential driver: Node's global fetch (its bundled undici, on the global Agent) against the case's server.
// usage: node fetch_driver.mjs SPEC_JSON  -> one JSON line of outcomes (see run.ts, Spec).
// fetch has no pool or read settings without a dispatcher; what users set is a per-request
// AbortSignal.timeout (timeouts.attempt) and `redirect` (behavior.maxRedirects 0 -> 'manual').
import { bodyOf, driverOutput, runWaves } from './common.mjs';

const spec = JSON.parse(process.argv[2]);
const attempt = spec.settings?.timeouts?.attempt;
const manual = spec.settings?.behavior?.maxRedirects === 0;

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
  return 'other'; // "redirect count exceeded" among them
}

const out = driverOutput('fetch', process.versions.undici);
const body = bodyOf(spec);
await runWaves(spec, out, async () => {
  const init = {
    method: spec.method,
    body,
    headers: { 'content-type': 'application/json' },
    ...(attempt ? { signal: AbortSignal.timeout(attempt) } : {}),
    ...(manual ? { redirect: 'manual' } : {}),
    ...spec.native,
  };
  const res = await fetch(`${spec.url}${spec.path}`, init).catch((err) => {
    throw Object.assign(err, { class: classify(err, false) });
  });
  await res.text().catch((err) => {
    throw Object.assign(err, { class: classify(err, true) });
  });
  return res.status;
});
console.log(JSON.stringify(out));
process.exit(0);
