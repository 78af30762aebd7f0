/**
 * The figures every rendering shows the same way, so none of them can be misread: rates over the time
 * the work took beside the load window's, every status code, and race losers apart from failures.
 */
import type { ProfileReport } from '../contract/report.js';
import { fmtCounts, fmtRate } from './format.js';

/**
 * Attempts aborted because a sibling won their race: the client's choice, not a failure. Older reports
 * count them only under errors.cancelled, which in a run only a race's loser can be.
 */
export function lostRaces(p: ProfileReport): number {
  return p.lostRaces ?? p.errors.cancelled ?? 0;
}

/** Errors per code, without the race losers (which are in errors.cancelled for older readers). */
export function failureCounts(p: ProfileReport): Record<string, number> {
  const out: Record<string, number> = { ...p.errors };
  const cancelled = (out.cancelled ?? 0) - lostRaces(p);
  if (cancelled > 0) out.cancelled = cancelled;
  else delete out.cancelled;
  return out;
}

/** Every status code answered, largest first: "200 1180, 429 20". */
export const statusesText = (p: ProfileReport) => fmtCounts(p.statuses, Infinity);

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Offered over the load window, completed OK over the time the work took (the drain included): "8.1/s ·
 * 4.0/s in 15.9 s". A report without the work's rates shows the load window's "achieved", and says so.
 */
export function ratesText(p: ProfileReport): string {
  const offered = `${fmtRate(p.rate?.offered)}/s`;
  if (p.work) return `${offered} · ${fmtRate(p.work.okPerSecond)}/s in ${seconds(p.work.ms)}`;
  return `${offered} · ${fmtRate(p.rate?.achieved)}/s in the load window`;
}

/** Output tokens per second over the work, beside the load window's: "161/s (load window 322/s)". */
export function tokensPerSecondText(p: ProfileReport): string {
  const window = p.tokens?.perSecond ?? null;
  const work = p.work?.tokensPerSecond ?? null;
  if (work === null) return window === null ? '–' : `${fmtRate(window)}/s (load window)`;
  return `${fmtRate(work)}/s (load window ${fmtRate(window)}/s)`;
}

/** "50/0 (46 lost)": hedges and retries sent, and the attempts that lost their race (not failures). */
export function extraAttemptsText(p: ProfileReport): string {
  const lost = lostRaces(p);
  return `${p.attempts.hedge}/${p.attempts.retry}${lost ? ` (${lost} lost)` : ''}`;
}
