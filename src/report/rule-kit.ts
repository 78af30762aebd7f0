/** What every findings rule shares: its type and the few readings and formats rules use. */
import type { FindingChange, FixSettings, Finding, HeadlineMetric, ProfileReport, Report } from './contract/report.js';
import { clientSyntax } from './client-terms.js';
import { fmtMs } from './render/format.js';

export type Rule = (p: ProfileReport, r: Report) => Finding | null;

export const pct = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;
export const err = (p: ProfileReport, code: string) => (p.errors as Record<string, number>)[code] ?? 0;
/** Requests per second offered over the load window (not the drain). */
export const rps = (p: ProfileReport) => p.rate?.offered ?? (p.durationMs > 0 ? p.requests.total / (p.durationMs / 1000) : 0);
/** The load window in seconds. */
export const windowS = (p: ProfileReport) => (p.loadWindowMs ?? p.durationMs) / 1000 || 1;
/** Seconds as a reader wants them: 0.002 s is "2.00ms", not "0 s". */
export const s = (ms: number) => (ms < 1000 ? fmtMs(ms) : `${Math.round(ms / 100) / 10} s`);

/** A fix as data: its settings, the same in the profile's client's own syntax, and a trade-off it makes on purpose. */
export function change(p: ProfileReport, settings: FixSettings, tradeOffs: { metric: HeadlineMetric; why: string }[] = []): FindingChange {
  return { settings, client: clientSyntax(p.preset, settings), ...(tradeOffs.length ? { tradeOffs } : {}) };
}

/** " (httpx: httpx.Limits(max_connections=62))", or "" when the client has no such setting. */
export function inClientTerms(c: FindingChange | null): string {
  return c?.client ? ` (${c.client})` : '';
}

/** The settings as a scenario profile would say them: "pool.connections 62, pool.maxIdle 62". */
export function settingsText(settings: FixSettings): string {
  return Object.entries(settings)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

/** Only the settings that differ from what the profile has now (a fix never "changes" a value to itself). */
export function changed(p: ProfileReport, settings: FixSettings): FixSettings {
  const out: FixSettings = {};
  for (const [key, value] of Object.entries(settings)) if (currentSetting(p, key) !== value) out[key] = value;
  return out;
}

/** A profile's current value of a scenario profile key (pool.keepAliveMs, client.hedgeDelayS). */
export function currentSetting(p: ProfileReport, key: string): unknown {
  const [head, ...rest] = key.split('.');
  let cur: unknown = head === 'client' ? p.client : p.config;
  for (const part of head === 'client' ? rest : [head, ...rest]) cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[part as string] : undefined;
  return cur;
}

/**
 * The standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9): where a
 * log-normal fitted through two points of a latency distribution puts its tail.
 */
export function normalQuantile(q: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const poly = (k: number[], x: number) => k.reduce((acc, v) => acc * x + v, 0);
  if (q <= 0 || q >= 1) return q <= 0 ? -Infinity : Infinity;
  if (q < 0.02425) {
    const x = Math.sqrt(-2 * Math.log(q));
    return poly(c, x) / (poly(d, x) * x + 1);
  }
  if (q > 1 - 0.02425) {
    const x = Math.sqrt(-2 * Math.log(1 - q));
    return -poly(c, x) / (poly(d, x) * x + 1);
  }
  const x = q - 0.5;
  const r = x * x;
  return (poly(a, r) * x) / (poly(b, r) * r + 1);
}
