/**
 * Acting at an exact moment. Node's timers run on libuv's millisecond clock: a timer fires at or after
 * its due time, often about a millisecond late, and later still on a busy loop. So every pending moment
 * of the process waits in one queue: one node timer is armed for the earliest, EARLY_MS before it, and
 * the last stretch is waited out in setImmediate turns (which, unlike a timer, are not late, and let I/O
 * in between), one turn for the whole queue rather than one per request. With nothing pending nothing
 * runs: an idle mock spends no CPU on time. (Sleeping the last stretch instead, with Atomics.wait in
 * short naps, was tried: on a loaded machine every nap's wake-up waits for the scheduler, and the
 * delays add up to milliseconds; a process that stays on its CPU for the last stretch is not late.)
 */
import { performance } from 'node:perf_hooks';
import { EARLY_MS, SpinBudget } from '../src/util/index.js';
import { DeadlineHeap, type Moment } from './deadline-heap.js';

/** The turns take at most half a core (src/util/spin-budget.ts): the mock is the yardstick, but a load generator on the same machine needs the rest. */
const spin = new SpinBudget(0.5);
const queue = new DeadlineHeap();
let timer: NodeJS.Timeout | null = null;
/** performance.now() at which the armed timer means to wake (Infinity: none armed). */
let timerWake = Number.POSITIVE_INFINITY;
let turn: NodeJS.Immediate | null = null;

/** Run `fn` at performance.now() === `due`, to within a fraction of a millisecond (at once when past). */
export function atTime(due: number, fn: () => void): void {
  schedule({ due, fn, cancelled: false });
}

/** atTime that can be called off (a sequence whose client went away): the returned function cancels it. */
export function cancellableAt(due: number, fn: () => void): () => void {
  const moment: Moment = { due, fn, cancelled: false };
  schedule(moment);
  return () => {
    moment.cancelled = true;
  };
}

function schedule(moment: Moment): void {
  const now = performance.now();
  if (moment.due <= now) {
    moment.fn();
    return;
  }
  queue.push(moment);
  spin.note(now);
  arm();
}

/** Wake for the earliest moment: by a timer EARLY_MS before it, or in a setImmediate turn when that is less than a timer's millisecond away. */
function arm(): void {
  const next = queue.peek();
  if (next === undefined || turn !== null) return;
  const now = performance.now();
  // Whole milliseconds: node would count a fraction as a whole one more, and wake that much later.
  const wait = spin.affordable ? Math.floor(next.due - EARLY_MS - now) : Math.max(1, Math.ceil(next.due - now));
  if (wait < 1) {
    turn = setImmediate(runDue);
    return;
  }
  const wake = now + wait;
  if (timerWake <= wake) return; // armed for this moment, or one before it
  if (timer !== null) clearTimeout(timer);
  timer = setTimeout(onTimer, wait);
  timerWake = wake;
}

function onTimer(): void {
  timer = null;
  timerWake = Number.POSITIVE_INFINITY;
  if (turn === null) runDue(); // else the turn already on its way runs them
}

/** Run every moment now due, in due order, then wait for the next. */
function runDue(): void {
  turn = null;
  const now = performance.now();
  try {
    for (let next = queue.peek(); next !== undefined && next.due <= now; next = queue.peek()) {
      queue.pop();
      if (!next.cancelled) next.fn();
    }
  } finally {
    arm();
  }
}
