// What the Node drivers share: the output shape, and sending the spec's waves of concurrent requests.
export function driverOutput(client, version) {
  return { client, version, succeeded: 0, classes: {}, exceptions: {} };
}

const bump = (d, k) => (d[k] = (d[k] ?? 0) + 1);

/** `one()` resolves with the status or rejects with an error carrying `class`. */
export async function runWaves(spec, out, one) {
  const t0 = performance.now();
  const watchdog = setTimeout(() => {
    console.log(JSON.stringify({ ...out, watchdog: true }));
    process.exit(2);
  }, 60_000);
  const run = () =>
    one().then(
      (status) => (status < 400 ? out.succeeded++ : bump(out.classes, `http_${status}`)),
      (err) => {
        bump(out.classes, err.class ?? 'other');
        bump(out.exceptions, `${err.constructor?.name} ${err.code ?? ''}: ${String(err.message).slice(0, 60)}`);
      },
    );
  for (let i = 0; i < spec.waves.length; i++) {
    if (i) await new Promise((r) => setTimeout(r, spec.gapMs ?? 0));
    await Promise.all(Array.from({ length: spec.waves[i] }, run));
  }
  out.elapsedMs = Math.round(performance.now() - t0);
  // Let what the client does after its last request land (undici replaces an aborted request's connection).
  await new Promise((r) => setTimeout(r, 100));
  clearTimeout(watchdog);
}
