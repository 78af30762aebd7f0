/** Number formatting shared by every renderer. */
export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '–';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms >= 100) return `${ms.toFixed(0)}ms`;
  if (ms >= 10) return `${ms.toFixed(1)}ms`;
  return `${ms.toFixed(2)}ms`;
}

export function fmtPct(part: number, whole: number): string {
  if (whole === 0) return '–';
  const p = (part / whole) * 100;
  return p === 0 ? '0%' : p < 0.1 ? '<0.1%' : `${p.toFixed(p < 10 ? 1 : 0)}%`;
}

export function fmtCount(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e4 ? `${(n / 1e3).toFixed(1)}k` : String(n);
}

/** `a: 3, b: 1`, largest first, at most `max` entries. */
export function fmtCounts(counts: Record<string, number | undefined>, max = 3): string {
  const entries = Object.entries(counts).filter((e): e is [string, number] => (e[1] ?? 0) > 0).sort((a, b) => b[1] - a[1]);
  if (entries.length === 0) return '–';
  const shown = entries.slice(0, max).map(([k, v]) => `${k} ${v}`);
  return entries.length > max ? `${shown.join(', ')}, …` : shown.join(', ');
}

/** Requests per second: whole numbers from 10 up, one decimal below. */
export function fmtRate(v: number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  return v >= 10 ? v.toFixed(0) : v.toFixed(1);
}

/**
 * Text that came from a report (anyone's: a profile name, a path, an error detail) made safe for a
 * terminal: control characters, ANSI escapes included, are shown as \xNN instead of acting.
 */
export function safeText(s: unknown): string {
  return String(s).replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
