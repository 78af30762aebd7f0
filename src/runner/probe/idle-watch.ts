/**
 * Step 2: two idle connections, watched for the server's FIN: how long after its answer each closed.
 * Each has its own client, so each answer is known with its connection. A close that the answer announced
 * (Connection: close) is the server ending the connection on purpose, not an idle timeout, and is left out.
 */
import { sleep } from '../../util/index.js';
import type { SocketInfo } from '../../engine/index.js';
import type { Step } from './types.js';
import { ProbeClient, saysClose, why } from './probe-client.js';

export async function watchIdle(s: Step, connects: number[]): Promise<number[]> {
  const closes: number[] = [];
  let announced = 0;
  const watchOne = async (): Promise<void> => {
    let closedAt: number | null = null;
    let idleFor = 0;
    const client = new ProbeClient(s, { pool: { connections: 1, keepAliveMs: 86_400_000, honorKeepAliveHint: false } }, {
      onSocketClose: (x: SocketInfo) => {
        if (x.closedBy === 'server' && x.closedAt !== null) {
          closedAt = x.closedAt;
          idleFor = x.closedAt - x.lastActiveAt;
        }
      },
      onAttemptEnd: (a) => void (a.connectMs !== null && connects.push(a.connectMs)),
    });
    try {
      const a = await client.answer();
      if (saysClose(a)) {
        announced++;
        return;
      }
      const until = performance.now() + s.options.maxIdleMs;
      while (closedAt === null && performance.now() < until) await sleep(20);
      if (closedAt !== null) closes.push(idleFor);
    } finally {
      await client.close();
    }
  };
  const failed = (await Promise.allSettled([watchOne(), watchOne()])).find((r) => r.status === 'rejected');
  if (failed) s.notes.push(`watching an idle connection failed (${why(failed.reason)})`);
  if (announced > 0) s.notes.push(`${announced} idle-watch connection(s) were closed with Connection: close on their answer: not an idle timeout, left out`);
  return closes;
}
