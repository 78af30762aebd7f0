/**
 * The live-export flags `run` and `mock` share (docs/export.md): declared, checked (before anything is
 * sent: exit 2), and the export started from them.
 */
import type { Argv } from 'yargs';
import { DEFAULT_LINGER, EXPORT_KINDS, exportsAnything, LiveExport, parseExportConfig, type ExportIo, type LiveExportConfig } from '../export/index.js';
import { parseDurationS } from './duration.js';
import type { CliIo } from './io.js';

export interface ExportArgs {
  export?: string | string[];
  'metrics-port'?: string;
  /** `run` only: a server (the mock) stops when asked, and was scrapable all along. */
  'metrics-linger'?: string;
}

/** --export and --metrics-port; with `linger`, --metrics-linger too. */
export function withExportFlags<T>(y: Argv<T>, linger: boolean): Argv<T> {
  const flags = y
    .option('export', { type: 'string', describe: `KIND=URL, repeatable: push live metrics each second; KIND ${EXPORT_KINDS.join(' | ')} (remote write, with native histograms, OTLP/HTTP)` })
    .option('metrics-port', { type: 'string', describe: '[HOST:]PORT: a Prometheus scrape endpoint (GET /metrics) while it runs; host 127.0.0.1 unless given' });
  if (!linger) return flags as Argv<T>;
  return flags.option('metrics-linger', { type: 'string', default: DEFAULT_LINGER, describe: 'after the run, how long the scrape endpoint stays up (so the last second is scraped); 0 for none' }) as Argv<T>;
}

/** The flags checked; every problem at once. */
export function exportConfigOf(args: ExportArgs): LiveExportConfig {
  const exports = args.export === undefined ? [] : ([] as string[]).concat(args.export);
  const linger = args['metrics-linger'] ?? '0';
  const lingerMs = /^0+(\.0*)?(ms|s|m|h)?$/.test(linger.trim()) ? 0 : parseDurationS(linger, '--metrics-linger') * 1000;
  return parseExportConfig(exports, args['metrics-port'], lingerMs);
}

/** Where the export's lines go: where it is to stdout, problems to stderr. */
export function exportIo(io: CliIo): ExportIo {
  return { info: (line) => io.out(`${line}\n`), warn: (line) => io.err(`${line}\n`) };
}

/** The export the flags ask for, started (null when they ask for none). */
export async function startExport(config: LiveExportConfig, io: CliIo): Promise<LiveExport | null> {
  return exportsAnything(config) ? LiveExport.start(config, exportIo(io)) : null;
}
