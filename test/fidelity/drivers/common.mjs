// What the Node drivers share: the output shape, and sending the spec's waves of concurrent requests.
export function driverOutput(client, version) {
  return { client, version, succeeded: 0, classes: {}, exceptions: {} };
}

const bump = (d, k) => (d[k] = (d[k] ?? 0) + 1);

/** The request body every driver sends (none for a GET). */
export const bodyOf = (spec) => (spec.method === 'GET' ? undefined : JSON.stringify({ input: 'hello', model: 'm' }));

/**
 * `one()` resolves with the status or rejects with an error carrying `class`. The load: a closed loop
 * (spec.closedLoop), then waves of requests sent at once, gapMs apart.
 */
export async function runWaves(spec, out, one) {
  const t0 = performance.now();
  const watchdog = setTimeout(() => {
    console.log(JSON.stringify({ ...out, watchdog: true }));
    process.exit(2);
  }, 60_000);
  const run = () =>
    one().then(
      (status) => (status < 300 ? out.succeeded++ : bump(out.classes, `http_${status}`)),
      (err) => {
        bump(out.classes, err.class ?? 'other');
        bump(out.exceptions, `${err.constructor?.name} ${err.code ?? ''}: ${String(err.message).slice(0, 60)}`);
      },
    );
  if (spec.closedLoop) {
    // Each user sends its next request as soon as its last one ended.
    let left = spec.closedLoop.requests;
    const user = async () => {
      while (left-- > 0) await run();
    };
    await Promise.all(Array.from({ length: spec.closedLoop.workers }, user));
  }
  for (let i = 0; i < spec.waves.length; i++) {
    if (i) await new Promise((r) => setTimeout(r, spec.gapMs ?? 0));
    await Promise.all(Array.from({ length: spec.waves[i] }, run));
  }
  out.elapsedMs = Math.round(performance.now() - t0);
  // Let what the client does after its last request land (undici replaces an aborted request's connection).
  await new Promise((r) => setTimeout(r, 100));
  clearTimeout(watchdog);
}
