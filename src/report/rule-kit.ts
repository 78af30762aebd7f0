/** What every findings rule shares: its type and the few readings and formats rules use. */
import type { Finding, ProfileReport, Report } from './contract/report.js';

export type Rule = (p: ProfileReport, r: Report) => Finding | null;

export const pct = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;
export const err = (p: ProfileReport, code: string) => (p.errors as Record<string, number>)[code] ?? 0;
/** Requests per second offered over the load window (not the drain). */
export const rps = (p: ProfileReport) => p.rate?.offered ?? (p.durationMs > 0 ? p.requests.total / (p.durationMs / 1000) : 0);
/** The load window in seconds. */
export const windowS = (p: ProfileReport) => (p.loadWindowMs ?? p.durationMs) / 1000 || 1;
export const s = (ms: number) => `${Math.round(ms / 100) / 10} s`;

