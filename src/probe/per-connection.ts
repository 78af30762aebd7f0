/**
 * Step 1: sequential requests on one connection until the server closes it: how many answers a
 * connection gets (every status counts: nginx's keepalive_requests counts its 429s too), the latency
 * baseline, the Keep-Alive hint. A close is a request limit only when a second connection closes after the
 * same count: a connection closed because it sat idle (this machine stalled between two requests, and the
 * server's idle timer ran out) closes at whatever count it had reached, and the next one goes past it.
 */
import type { AttemptRecord } from '../engine/index.js';
import { MAX_ANSWERS_WITHOUT_2XX, is2xx, type ProbeResult, type Step } from './types.js';
import { ProbeClient, saysClose, why, type Answer } from './probe-client.js';

interface Served {
  socket: number;
  answers: number;
  /** The last answer on it said Connection: close. */
  saidClose: boolean;
}

export interface PerConnection {
  /** Every answer's attempt, in order (for the latency baseline and the connect times). */
  records: AttemptRecord[];
  hintS: number | null;
  limit: ProbeResult['maxRequestsPerConnection'];
  /** No 2xx among the first answers: the probe stops there. */
  no2xx: boolean;
}

export async function requestsPerConnection(s: Step): Promise<PerConnection> {
  const client = new ProbeClient(s, { pool: { connections: 1, keepAliveMs: 86_400_000, honorKeepAliveHint: false }, timeouts: { read: 30_000 } });
  const records: AttemptRecord[] = [];
  const served: Served[] = [];
  let hintS: number | null = null;
  let failures = 0;
  let any2xx = false;
  let thirdConnection = false;
  try {
    for (let sent = 0; ; sent++) {
      const [first, second] = served;
      // The first connection may take up to maxRequests; a second only one more than the first took.
      if (!second && sent >= s.options.maxRequests) break;
      if (first && second && second.answers > first.answers) break;
      let a: Answer;
      try {
        a = await client.answer();
      } catch (err) {
        // Nothing answered at all: there is nothing to probe. Otherwise a request raced the server's
        // close (a FIN after its Nth answer without Connection: close): the next goes on a new connection.
        if (sent === 0) throw err;
        // Over its deadline (probe-client.ts noted it): the server drip-feeds, and more of it tells nothing.
        if ((err as { code?: string }).code === 'attempt_timeout') break;
        if (++failures > 3) {
          s.notes.push(`requests on one connection kept failing (${why(err)}): stopped after ${sent}`);
          break;
        }
        continue;
      }
      records.push(a.record);
      if (records.length === 1) hintS = keepAliveHintS(a);
      any2xx ||= is2xx(a.status);
      const socket = a.record.socket?.id ?? -1;
      if (served.at(-1)?.socket !== socket) {
        // A third connection: the first two both closed, which is all this step needs to know.
        if (served.length === 2) {
          thirdConnection = true;
          break;
        }
        served.push({ socket, answers: 0, saidClose: false });
      }
      const current = served.at(-1) as Served;
      current.answers++;
      current.saidClose = saysClose(a);
      if (!any2xx && records.length >= MAX_ANSWERS_WITHOUT_2XX) break;
    }
  } finally {
    await client.close();
  }
  return { records, hintS, limit: judge(served, thirdConnection, s), no2xx: !any2xx };
}

function keepAliveHintS(a: Answer): number | null {
  const m = /timeout=(\d+)/i.exec(a.headers['keep-alive'] ?? '');
  return m ? Number(m[1]) : null;
}

/** A limit only when two connections in a row ended after the same number of answers. */
function judge(served: Served[], secondClosed: boolean, s: Step): ProbeResult['maxRequestsPerConnection'] {
  const [first, second] = served;
  if (!first) return { value: null, atLeast: 0, connections: 0, saidClose: null };
  if (!second) return { value: null, atLeast: first.answers, connections: 1, saidClose: null };
  if (secondClosed && second.answers === first.answers) return { value: first.answers, atLeast: first.answers, connections: 2, saidClose: first.saidClose && second.saidClose };
  const atLeast = Math.max(first.answers, second.answers);
  if (second.answers > first.answers) {
    s.notes.push(
      `the first connection closed after ${first.answers} answer(s)${first.saidClose ? '' : ' without Connection: close'}, but the next one served more: not a request limit (the server's idle timeout while this machine paused between requests, or its own choice)`,
    );
  } else if (secondClosed) {
    s.notes.push(`two connections closed after different numbers of answers (${first.answers}, then ${second.answers}): no request limit taken from them`);
  } else {
    s.notes.push(`the first connection closed after ${first.answers} answer(s); the next could not confirm it`);
  }
  return { value: null, atLeast, connections: 2, saidClose: null };
}
