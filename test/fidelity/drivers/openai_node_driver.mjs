// Differential driver: the real openai-node SDK (embeddings.create), with its own retries, against the mock.
// usage: node openai_node_driver.mjs SPEC_JSON  -> one JSON line of outcomes (see ../README.md).
// Settings: timeouts.attempt -> timeout, retry.maxRetries -> maxRetries, pool.connections -> an undici
// Agent({connections}) as the SDK documents for bounding connections (fetchOptions.dispatcher).
import OpenAI from 'openai';
import { createRequire } from 'node:module';
import { driverOutput, runWaves } from './common.mjs';

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
});

function classify(err) {
  if (err instanceof OpenAI.APIConnectionTimeoutError) return 'timeout';
  if (err instanceof OpenAI.APIError && err.status) return `http_${err.status}`;
  if (err instanceof OpenAI.APIConnectionError) {
    let c = err.cause;
    while (c?.cause && !c.code) c = c.cause;
    if (c?.code === 'ECONNREFUSED') return 'connect_error';
    return 'reset';
  }
  if (err instanceof TypeError && err.message === 'terminated') return 'body_error'; // fetch: the body was cut short
  return 'other';
}

const out = driverOutput('openai-node', require('openai/version').VERSION);
await runWaves(spec, out, async () => {
  await client.embeddings.create({ input: 'hello', model: 'm' }).catch((err) => {
    throw Object.assign(err, { class: classify(err) });
  });
  return 200;
});
console.log(JSON.stringify(out));
process.exit(0);
