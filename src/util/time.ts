/** Time helpers shared by the engine, the runner and the mock: an abortable sleep. */
import { unwatchSignal, watchSignal } from './signal-watch.js';

/** Sleep that ends early (rejecting with the signal's reason) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (!signal) return new Promise((resolve) => setTimeout(resolve, ms));
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    // Watched through signal-watch: a long-lived signal gains no listener per sleep.
    const sleeper = {
      timer: setTimeout(() => {
        unwatchSignal(signal, sleeper);
        resolve();
      }, ms),
      onSignalAbort() {
        clearTimeout(sleeper.timer);
        reject(signal.reason);
      },
    };
    watchSignal(signal, sleeper);
  });
}
