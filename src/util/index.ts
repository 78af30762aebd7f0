/** Helpers with no knowledge of tailgate: every part may import these, and mock-server only these. */
export { Fifo } from './fifo.js';
export { watchSignal, unwatchSignal, watcherCount, WATCH_LIST, WATCH_PREV, WATCH_NEXT, type Cancellable, type WatchList } from './signal-watch.js';
export { sleep } from './time.js';
export { EARLY_MS, SpinBudget } from './spin-budget.js';
export { HTTP_METHODS, type HttpMethod } from './http.js';
export { forkSibling } from './fork.js';
