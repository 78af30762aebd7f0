/**
 * Cancellation without an EventTarget listener per attempt: one listener per signal, and a list of the
 * attempts watching it. A load run sends every attempt with the same session signal, where adding and
 * removing a listener each time cost more than the attempt's own bookkeeping.
 *
 * The list is intrusive (the links live on the watchers, under symbols), not a Set: V8's scavenger kept
 * every attempt ever added to a long-lived Set alive until the next full GC, deleted or not, so each
 * request's whole graph (attempt, undici request, response headers) was promoted to the old generation
 * and the young-generation GC cost as much as the request itself. A doubly-linked list lets go of a
 * watcher the moment it is unlinked, and watching or unwatching allocates nothing.
 */
export interface Cancellable {
  /** Called once when the watched signal aborts. */
  onSignalAbort(): void;
  /** The list it is on, and its neighbours there (signal-watch's own; a watcher is on one list at a time). */
  [WATCH_LIST]?: WatchList | null;
  [WATCH_PREV]?: Cancellable | null;
  [WATCH_NEXT]?: Cancellable | null;
}

export const WATCH_LIST: unique symbol = Symbol('tailgate.watchList');
export const WATCH_PREV: unique symbol = Symbol('tailgate.watchPrev');
export const WATCH_NEXT: unique symbol = Symbol('tailgate.watchNext');

/** The watchers of one signal, oldest first (the order they are told in, as a Set iterated). */
export class WatchList {
  first: Cancellable | null = null;
  last: Cancellable | null = null;
  size = 0;

  constructor(readonly signal: AbortSignal) {}

  append(t: Cancellable): void {
    t[WATCH_LIST] = this;
    t[WATCH_PREV] = this.last;
    t[WATCH_NEXT] = null;
    if (this.last === null) this.first = t;
    else this.last[WATCH_NEXT] = t;
    this.last = t;
    this.size++;
  }

  unlink(t: Cancellable): void {
    const prev = t[WATCH_PREV] ?? null;
    const next = t[WATCH_NEXT] ?? null;
    if (prev === null) this.first = next;
    else prev[WATCH_NEXT] = next;
    if (next === null) this.last = prev;
    else next[WATCH_PREV] = prev;
    t[WATCH_LIST] = null;
    t[WATCH_PREV] = null;
    t[WATCH_NEXT] = null;
    this.size--;
  }

  /** Tell every watcher, oldest first; one added or removed meanwhile is told or skipped, as a Set's iteration would. */
  abortAll(): void {
    for (let t = this.first; t !== null; t = this.first) {
      this.unlink(t);
      t.onSignalAbort();
    }
  }
}

const lists = new WeakMap<AbortSignal, WatchList>();

export function watchSignal(signal: AbortSignal, target: Cancellable): void {
  const on = target[WATCH_LIST];
  if (on !== undefined && on !== null) {
    if (on.signal === signal) return;
    throw new Error('a watcher watches one signal at a time');
  }
  let list = lists.get(signal);
  if (list === undefined) {
    const created = new WatchList(signal);
    list = created;
    lists.set(signal, created);
    signal.addEventListener('abort', () => created.abortAll(), { once: true });
  }
  list.append(target);
}

export function unwatchSignal(signal: AbortSignal, target: Cancellable): void {
  const list = target[WATCH_LIST];
  if (list !== undefined && list !== null && list.signal === signal) list.unlink(target);
}

/** How many are watching `signal` now (for tests that prove nothing accumulates over a long run). */
export function watcherCount(signal: AbortSignal): number {
  return lists.get(signal)?.size ?? 0;
}
