/**
 * A twin of the upstream: what the proxy recorded of it, written as a mock faults file, so `tailgate mock
 * --faults twin.yaml` reproduces it offline: its latency before answering (the recorded HDR histogram,
 * replayed), its mix of error statuses with their Retry-After, its idle timeout and Keep-Alive hint.
 */
import { stringify } from 'yaml';
import { encodeHistogram } from '../metrics/index.js';
import type { UpstreamKnowledge } from './upstream-knowledge.js';

export function twinFaults(k: UpstreamKnowledge): Record<string, unknown> {
  const rules: Record<string, unknown>[] = [];
  if (k.latency.totalCount > 0) rules.push({ kind: 'latency', dist: 'hdr', histogram: encodeHistogram(k.latency) });
  // Each status rule fires on what the rules before it let through: its probability is its share of that rest.
  let rest = 1;
  for (const [status, n] of Object.entries(k.statuses).filter(([s]) => Number(s) >= 400).sort((a, b) => b[1] - a[1])) {
    const share = n / k.answered;
    const ra = k.retryAfter[status];
    rules.push({ kind: 'status', status: Number(status), probability: Math.min(1, share / rest), ...(ra ? { retryAfterS: Math.round(ra.sumMs / ra.count) / 1000 } : {}) });
    rest -= share;
  }
  const upstream = k.section();
  const faults: Record<string, unknown> = { seed: 1 };
  if (upstream.idleTimeoutMs !== null && upstream.idleTimeoutSource === 'upstream-close') faults.idleTimeoutMs = upstream.idleTimeoutMs;
  if (upstream.idleTimeoutMs !== null && upstream.idleTimeoutSource === 'upstream-reset') rules.push({ kind: 'reset_on_reuse', idleMs: upstream.idleTimeoutMs });
  const hint = /timeout=(\d+)/.exec(k.keepAliveHint ?? '')?.[1];
  faults.keepAliveHint = hint === undefined ? false : upstream.idleTimeoutSource === 'upstream-close' && Math.abs(Number(hint) * 1000 - (upstream.idleTimeoutMs ?? 0)) < 1000 ? true : Number(hint);
  faults.rules = rules;
  return faults;
}

export function twinYaml(k: UpstreamKnowledge, upstream: string): string {
  return `# A twin of ${upstream}, recorded by tailgate proxy over ${k.answered} answers (${k.protocols.h2 ? 'HTTP/2' : 'HTTP/1.1'} upstream).\n# Replay it offline: tailgate mock --faults this-file.yaml\n${stringify(twinFaults(k), { lineWidth: 0 })}`;
}
