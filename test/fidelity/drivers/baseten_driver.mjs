// Differential driver: Baseten's Performance Client (its Rust core, the napi binary that
// bench/ensure-baseten.mjs installs) against the case's server. Each request is a batchPost of one
// payload: one call, with its own budgets, as tailgate's session gives each request.
// usage: node baseten_driver.mjs SPEC_JSON  -> one JSON line of outcomes (see run.ts, Spec).
// Settings map to RequestProcessingPreference as a user writes it: retry.maxRetries -> maxRetries,
// retry.initialBackoffMs -> initialBackoffMs, timeouts.attempt -> timeoutS; httpVersion -> the client's.
import { createRequire } from 'node:module';
import { bodyOf, driverOutput, runWaves } from './common.mjs';

const require = createRequire(import.meta.url);
const PACKAGE = `@basetenlabs/performance-client-${process.platform}-${process.arch}${process.platform === 'linux' ? '-gnu' : ''}`;
const native = require(PACKAGE);
const spec = JSON.parse(process.argv[2]);
const { timeouts: t = {}, retry: r = {}, httpVersion } = spec.settings ?? {};
const client = new native.PerformanceClient(spec.url, 'test-key', httpVersion ?? 1);
// (maxConcurrentRequests, batchSize, timeoutS, maxCharsPerRequest, pinInitialEndpointOnce, hedgeDelay,
//  totalTimeoutS, hedgeBudgetPct, retryBudgetPct, maxRetries, initialBackoffMs)
const preference = new native.RequestProcessingPreference(
  1,
  1,
  t.attempt != null ? t.attempt / 1000 : null,
  null,
  null,
  null,
  null,
  null,
  null,
  r.maxRetries ?? null,
  r.initialBackoffMs ?? null,
);

function classify(err) {
  const text = String(err?.message ?? err);
  const status = /failed with status (\d{3})/.exec(text);
  if (status) return `http_${status[1]}`;
  if (/timed? ?out|timeout/i.test(text)) return 'timeout';
  if (/error following redirect/i.test(text)) return 'other';
  if (/error sending request|connect/i.test(text)) return 'connect_error';
  if (/body|decod|incomplete|unexpected eof/i.test(text)) return 'body_error';
  return 'other';
}

const out = driverOutput('baseten-pc', require(`${PACKAGE}/package.json`).version);
const payload = JSON.parse(bodyOf(spec) ?? '{}');
await runWaves(spec, out, async () => {
  await client.batchPost(spec.path, [payload], preference, spec.method).catch((err) => {
    throw Object.assign(err instanceof Error ? err : new Error(String(err)), { class: classify(err) });
  });
  return 200;
});
console.log(JSON.stringify(out));
process.exit(0);
