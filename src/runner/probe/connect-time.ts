/**
 * Connect time from several fresh connections (TCP, and the proxy and TLS when there are): the median
 * decides, the spread is shown. A single cold connect (a DNS lookup, an ARP, a TLS session not yet cached)
 * can take many times the others; taken alone it would swing the recommended connect timeout.
 */
import { CONNECT_SAMPLES, type ProbeResult, type Step } from './types.js';
import { ProbeClient, why } from './probe-client.js';

/** Opens CONNECT_SAMPLES connections one after another (one request each) and adds their handshakes to `connects`. */
export async function timeConnects(s: Step, connects: number[]): Promise<void> {
  const client = new ProbeClient(s, { pool: { connections: 1, maxRequestsPerConnection: 1 }, timeouts: { read: 30_000 } }, { onAttemptEnd: (a) => void (a.connectMs !== null && connects.push(a.connectMs)) });
  try {
    for (let i = 0; i < CONNECT_SAMPLES; i++) await client.answer();
  } catch (err) {
    s.notes.push(`timing fresh connects failed (${why(err)}); the connect time is from ${connects.length} connect(s)`);
  } finally {
    await client.close();
  }
}

export function connectSummary(connects: number[]): ProbeResult['connectMs'] {
  if (connects.length === 0) return null;
  const sorted = [...connects].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { samples: sorted.length, median, min: sorted[0] as number, max: sorted.at(-1) as number };
}
