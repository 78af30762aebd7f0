/** What `--export` and `--metrics-port` may say, checked before anything is sent (every problem at once). */
import { InvalidInputError, redactUrl, targetUrlProblem } from '../engine/index.js';

export const EXPORT_KINDS = ['prometheus', 'prometheus-native', 'otlp'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

export interface ExportTarget {
  kind: ExportKind;
  url: string;
}

export interface Listen {
  host: string;
  port: number;
}

/** How long the scrape endpoint stays up after the run when --metrics-linger is not given. */
export const DEFAULT_LINGER = '15s';

export interface LiveExportConfig {
  targets: ExportTarget[];
  /** The scrape endpoint, or null for none. */
  listen: Listen | null;
  /** After the run: how long the scrape endpoint stays up, so the last second is scraped. */
  lingerMs: number;
}

/** `KIND=URL` each; `[HOST:]PORT` (127.0.0.1 unless a host is given). */
export function parseExportConfig(exports: readonly string[], metricsPort: string | undefined, lingerMs: number): LiveExportConfig {
  const problems: string[] = [];
  const targets: ExportTarget[] = [];
  for (const spec of exports) {
    const at = spec.indexOf('=');
    const kind = spec.slice(0, at);
    const url = spec.slice(at + 1);
    if (at < 0 || !(EXPORT_KINDS as readonly string[]).includes(kind)) {
      problems.push(`--export must be KIND=URL with KIND one of ${EXPORT_KINDS.join(', ')}, got ${JSON.stringify(redactUrl(spec))}`);
      continue;
    }
    const problem = targetUrlProblem(`--export ${kind}`, url);
    if (problem) problems.push(problem);
    else targets.push({ kind: kind as ExportKind, url });
  }
  const listen = metricsPort === undefined ? null : parseListen(metricsPort, problems);
  if (problems.length) throw new InvalidInputError('arguments', problems);
  return { targets, listen, lingerMs };
}

function parseListen(value: string, problems: string[]): Listen | null {
  const m = /^(?:(\[[^\]]+\]|[^:]+):)?(\d+)$/.exec(value.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || !Number.isInteger(port) || port > 65_535) {
    problems.push(`--metrics-port must be PORT or HOST:PORT with PORT in 0..65535, got ${JSON.stringify(value)}`);
    return null;
  }
  return { host: (m[1] ?? '127.0.0.1').replace(/^\[|\]$/g, ''), port };
}

/** Is any live export asked for? */
export const exportsAnything = (c: LiveExportConfig): boolean => c.targets.length > 0 || c.listen !== null;
