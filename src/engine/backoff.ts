/** Backoff with full jitter, Retry-After hints in either of their forms, and an abortable sleep. */
import { unwatchSignal, watchSignal } from './signal-watch.js';

/** Full jitter (AWS Architecture Blog): uniform in [0, min(cap, base * 2^attempt)]. */
export function jitteredBackoffMs(retryNumber: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** retryNumber);
  return random() * ceiling;
}

/** Retry-After as delay-seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(value: string | undefined, nowMs: number = Date.now()): number | null {
  if (value === undefined || value === '') return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}

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
