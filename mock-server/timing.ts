/**
 * Acting at an exact moment. Node's timers run on libuv's millisecond clock: a timer fires at or after
 * its due time, often about a millisecond late, and later still on a busy loop. So every pending moment
 * of the process waits in one queue: one node timer is armed for the earliest, EARLY_MS before it, and
 * the last stretch is waited out in setImmediate turns (which, unlike a timer, are not late, and let I/O
 * in between), one turn for the whole queue rather than one per request. With nothing pending nothing
 * runs: an idle mock spends no CPU on time.
 */
import { performance } from 'node:perf_hooks';
import { DeadlineHeap, type Moment } from './deadline-heap.js';

/** How long before a due time the node timer wakes: its own lateness (about 1 ms) fits in it. */
const EARLY_MS = 1.5;

/** The longest the loop sleeps in one turn of the last stretch (I/O arriving meanwhile waits this long at most). */
const NAP_MS = 0.25;
/** A nap ends this long before the due time (the kernel wakes a sleeper about this late); turns spin the rest. */
const WAKE_MS = 0.15;
/** Nothing ever notifies it: Atomics.wait on it is a precise sleep. */
const NAPPER = new Int32Array(new SharedArrayBuffer(4));

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
  if (moment.due <= performance.now()) {
    moment.fn();
    return;
  }
  queue.push(moment);
  arm();
}

/** Wake for the earliest moment: in a setImmediate turn when it is near, else by a timer EARLY_MS before it. */
function arm(): void {
  const next = queue.peek();
  if (next === undefined || turn !== null) return;
  const wake = next.due - EARLY_MS;
  const now = performance.now();
  if (wake <= now) {
    turn = setImmediate(runDue);
    return;
  }
  if (timerWake <= wake) return; // armed for this moment, or one before it
  if (timer !== null) clearTimeout(timer);
  timer = setTimeout(onTimer, wake - now);
  timerWake = wake;
}

function onTimer(): void {
  timer = null;
  timerWake = Number.POSITIVE_INFINITY;
  if (turn === null) runDue(); // else the turn already on its way runs them
}

/**
 * Run every moment now due, in due order, then wait for the next. In the last stretch each turn first
 * sleeps (Atomics.wait: the kernel's clock, to tens of microseconds) until WAKE_MS before the next due
 * time or for NAP_MS, whichever is sooner: the process spins only for the last tenth of a millisecond,
 * and I/O waits at most a nap.
 */
function runDue(): void {
  turn = null;
  let now = performance.now();
  const first = queue.peek();
  if (first !== undefined && first.due - now > WAKE_MS) {
    Atomics.wait(NAPPER, 0, 0, Math.min(first.due - now - WAKE_MS, NAP_MS));
    now = performance.now();
  }
  try {
    for (let next = queue.peek(); next !== undefined && next.due <= now; next = queue.peek()) {
      queue.pop();
      if (!next.cancelled) next.fn();
    }
  } finally {
    arm();
  }
}
