/** Acting at an exact moment: node's timers alone fire up to a millisecond or two late. */
import { performance } from 'node:perf_hooks';

/** The last stretch before a due time is waited out with setImmediate, which (unlike a timer) is not late. */
const SPIN_MS = 1.5;

/** Run `fn` at performance.now() === `due`, to within a fraction of a millisecond. */
export function atTime(due: number, fn: () => void): void {
  const remaining = due - performance.now();
  if (remaining > SPIN_MS) setTimeout(atTime, remaining - SPIN_MS, due, fn);
  else if (remaining > 0) setImmediate(atTime, due, fn);
  else fn();
}
