/** For servers that drop idle connections silently: find the idle time after which reuse fails. */
import type { TailgateError } from '../../engine/index.js';
import { sleep } from '../../util/index.js';
import { ProbeClient } from './probe-client.js';
import type { ProbeResult, Step } from './types.js';

/**
 * The read timeout of the idle-time search: well above anything the server took in step 1, so a model
 * slower than a fixed 5 s is not taken for a dead connection (which would fake an idle timeout).
 */
export function searchReadTimeoutMs(latency: ProbeResult['latencyMs']): number {
  return Math.max(5_000, Math.ceil((latency?.max ?? 0) * 4));
}

/** For servers that drop idle connections silently: binary search on idle-then-reuse. */
export async function searchReuse(s: Step, readMs: number): Promise<number | null> {
  const { options } = s;
  const reusable = async (idleMs: number): Promise<boolean> => {
    const client = new ProbeClient(s, { pool: { connections: 1, keepAliveMs: 86_400_000, honorKeepAliveHint: false }, timeouts: { read: readMs } });
    try {
      await client.answer();
      await sleep(idleMs);
      await client.answer();
      return client.engine.connectionStats.opened === 1;
    } catch (err) {
      const code = (err as TailgateError).code;
      if (code === 'stale_connection' || code === 'connection_reset' || code === 'read_timeout') return false;
      throw err;
    } finally {
      await client.close();
    }
  };
  if (await reusable(options.maxIdleMs)) return null;
  let lo = 0;
  let hi = options.maxIdleMs;
  // Stop at 5% of the estimate; each step costs its idle time.
  while (hi - lo > Math.max(50, 0.05 * hi)) {
    const mid = (lo + hi) / 2;
    if (await reusable(mid)) lo = mid;
    else hi = mid;
  }
  return Math.round((lo + hi) / 2);
}

