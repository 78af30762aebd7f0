/**
 * Attempts with an owner that have ended, told in order from one microtask: no promise per attempt, and
 * never from inside undici's callbacks (the owner may dispatch the next request at once).
 */

/** What the queue tells: an attempt that ended, which then tells its owner. */
export interface EndedAttempt {
  tellOwner(): void;
}

const ended: (EndedAttempt | undefined)[] = [];
let endedScheduled = false;
/** Scheduling through a settled promise: queueMicrotask would add an AsyncResource and a bound function each time. */
const SETTLED = Promise.resolve();

function tellOwners(): void {
  let i = 0;
  try {
    // Owners told here may end more attempts (one that fails at once): they join this same pass.
    for (; i < ended.length; i++) {
      const a = ended[i] as EndedAttempt;
      ended[i] = undefined;
      a.tellOwner();
    }
  } finally {
    if (i < ended.length - 1) {
      // An owner threw: the rest are told from a new microtask, and the error goes on up.
      ended.splice(0, i + 1);
      void SETTLED.then(tellOwners);
    } else {
      ended.length = 0;
      endedScheduled = false;
    }
  }
}

/** Tell `a`'s owner from the shared microtask. */
export function tellOwnerSoon(a: EndedAttempt): void {
  ended.push(a);
  if (!endedScheduled) {
    endedScheduled = true;
    void SETTLED.then(tellOwners);
  }
}
