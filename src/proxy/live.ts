/** The proxy's live line: per client, what it is doing right now. */
import { safeText } from '../report/index.js';
import type { Recorder } from './recorder.js';

export function liveLine(recorder: Recorder, elapsedS: number): string {
  const parts = [...recorder.clients.values()].map((c) => {
    const l = c.live();
    return `${safeText(c.name)}: ${l.requests} req, ${l.open} conn open, ${l.inFlight} in flight, ${l.failed} failed, ${l.retries} retries`;
  });
  return `${elapsedS.toFixed(0).padStart(4)}s  ${parts.length ? parts.join(' | ') : 'waiting for a client'}`;
}
