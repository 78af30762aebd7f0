/**
 * Cancellation without an EventTarget listener per attempt: one listener per signal, and a Set of the
 * attempts watching it. A load run sends every attempt with the same session signal, where adding and
 * removing a listener each time cost more than the attempt's own bookkeeping.
 */
export interface Cancellable {
  /** Called once when the watched signal aborts. */
  onSignalAbort(): void;
}

const watchers = new WeakMap<AbortSignal, Set<Cancellable>>();

export function watchSignal(signal: AbortSignal, target: Cancellable): void {
  let set = watchers.get(signal);
  if (set === undefined) {
    const created = new Set<Cancellable>();
    set = created;
    watchers.set(signal, created);
    signal.addEventListener(
      'abort',
      () => {
        for (const t of created) t.onSignalAbort();
        created.clear();
      },
      { once: true },
    );
  }
  set.add(target);
}

export function unwatchSignal(signal: AbortSignal, target: Cancellable): void {
  watchers.get(signal)?.delete(target);
}

/** How many are watching `signal` now (for tests that prove nothing accumulates over a long run). */
export function watcherCount(signal: AbortSignal): number {
  return watchers.get(signal)?.size ?? 0;
}
