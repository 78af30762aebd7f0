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

/** atTime that can be called off (a sequence whose client went away): the returned function cancels it. */
export function cancellableAt(due: number, fn: () => void): () => void {
  let timeout: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  let cancelled = false;
  const step = () => {
    if (cancelled) return;
    const remaining = due - performance.now();
    if (remaining > SPIN_MS) timeout = setTimeout(step, remaining - SPIN_MS);
    else if (remaining > 0) immediate = setImmediate(step);
    else fn();
  };
  step();
  return () => {
    cancelled = true;
    clearTimeout(timeout);
    if (immediate) clearImmediate(immediate);
  };
}
