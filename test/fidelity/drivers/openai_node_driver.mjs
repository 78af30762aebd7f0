// Differential driver: the real openai-node SDK (embeddings.create), with its own retries, against the mock.
// usage: node openai_node_driver.mjs SPEC_JSON  -> one JSON line of outcomes (see run.ts, Spec).
// The default request is embeddings.create; another path is client.post(path) below the base URL /v1.
// Settings: timeouts.attempt -> timeout, retry.maxRetries -> maxRetries, pool.connections -> an undici
// Agent({connections}) as the SDK documents for bounding connections (fetchOptions.dispatcher).
import OpenAI from 'openai';
import { createRequire } from 'node:module';
import { bodyOf, driverOutput, runWaves } from './common.mjs';

const require = createRequire(import.meta.url);
const spec = JSON.parse(process.argv[2]);
const { pool: p = {}, timeouts: t = {}, retry: r = {} } = spec.settings ?? {};
let fetchImpl = globalThis.fetch;
let fetchOptions;
if (p.connections) {
  const undici = require('undici');
  fetchImpl = undici.fetch;
  fetchOptions = { dispatcher: new undici.Agent({ connections: p.connections }) };
}
const client = new OpenAI({
  apiKey: 'test',
  baseURL: `${spec.url}/v1`,
  fetch: fetchImpl,
  ...(fetchOptions ? { fetchOptions } : {}),
  ...(t.attempt ? { timeout: t.attempt } : {}),
  ...(r.maxRetries !== undefined ? { maxRetries: r.maxRetries } : {}),
  ...spec.native,
});

function classify(err) {
  if (err instanceof OpenAI.APIConnectionTimeoutError) return 'timeout';
  if (err instanceof OpenAI.APIError && err.status) return `http_${err.status}`;
  if (err instanceof OpenAI.APIConnectionError) {
    let c = err.cause;
    while (c?.cause && !c.code) c = c.cause;
    if (c?.code === 'ECONNREFUSED') return 'connect_error';
    if (/redirect/i.test(String(c?.message))) return 'other'; // fetch: redirect count exceeded
    return 'reset';
  }
  if (err instanceof TypeError && err.message === 'terminated') return 'body_error'; // fetch: the body was cut short
  return 'other';
}

const out = driverOutput('openai-node', require('openai/version').VERSION);
const body = JSON.parse(bodyOf(spec) ?? 'null');
const send = spec.path === '/v1/embeddings' ? () => client.embeddings.create(body) : () => client.post(spec.path.replace(/^\/v1/, ''), { body });
await runWaves(spec, out, async () => {
  await send().catch((err) => {
    throw Object.assign(err, { class: classify(err) });
  });
  return 200;
});
console.log(JSON.stringify(out));
process.exit(0);
