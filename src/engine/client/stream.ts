/**
 * A POST whose answer is read as Server-Sent Events while it arrives, timed as docs/metrics.md defines:
 * time to first token is to the first event with content (a role-only first chunk is not a token), the
 * first event of any kind is timed apart. A stream is neither hedged nor retried: a second attempt would
 * repeat tokens already read.
 */
import { runLogical } from '../policy/policy.js';
import type { Preference } from '../policy/preference.js';
import type { ClientShared } from '../policy/types.js';
import { AsyncQueue } from './async-queue.js';
import { callPolicy } from './call-policy.js';
import type { StreamHandle } from './responses.js';
import { DONE, readChunk, SseParser, type SseEvent } from './sse.js';

export function openStream(shared: ClientShared, pref: Preference, path: string, payload: unknown): StreamHandle {
  const started = performance.now();
  const parser = new SseParser();
  const queue = new AsyncQueue<SseEvent>();
  let count = 0;
  const handle: StreamHandle = {
    timeToFirstTokenMs: null,
    timeToFirstEventMs: null,
    done: Promise.resolve({ events: 0, totalTimeMs: 0, timeToFirstTokenMs: null, timeToFirstEventMs: null }),
    [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator](),
  };
  const onEvent = (data: string, event: string | null) => {
    const at = performance.now() - started;
    handle.timeToFirstEventMs ??= at;
    if (handle.timeToFirstTokenMs === null) {
      const chunk = readChunk(data);
      if (chunk !== null && chunk !== DONE && chunk.content) handle.timeToFirstTokenMs = at;
    }
    count++;
    queue.push({ event, data });
  };
  const { policy, dispose } = callPolicy(shared, pref, 1);
  const run = runLogical(shared, { ...policy, hedgeDelayMs: null, retry: { ...policy.retry, maxRetries: 0 } }, {
    method: 'POST',
    path,
    body: JSON.stringify(payload),
    onData: (chunk) => parser.push(chunk, onEvent),
  });
  handle.done = run.then(
    () => {
      queue.end();
      dispose();
      return { events: count, totalTimeMs: performance.now() - started, timeToFirstTokenMs: handle.timeToFirstTokenMs, timeToFirstEventMs: handle.timeToFirstEventMs };
    },
    (err: unknown) => {
      queue.fail(err);
      dispose();
      throw err;
    },
  );
  handle.done.catch(() => {}); // the iterator reports it; an unread stream must not crash the process
  return handle;
}
