/**
 * The proxy's Report: the same Report JSON a run writes, one profile per client seen, each with its
 * `wire` section, so `report` renders it, `gate` judges it and `compare` sets clients side by side.
 * Its findings come from the wire (src/report/rules-wire.ts).
 */
import { DEFAULT_CONFIG, PRESETS, redactConfig, redactUrl, VERSION, type PresetName } from '../engine/index.js';
import { withFindings } from '../report/index.js';
import type { ProfileReport, Report } from '../report/index.js';
import type { Proxy } from './server.js';

export interface ProxyReportOptions {
  /** Gate thresholds the report carries (observe --threshold), judged by `report` and `gate`. */
  thresholds?: string[];
  /** Set when the proxy stopped before the client did (Ctrl+C): the report is partial. */
  partial?: boolean;
}

/** The Report of everything the proxy saw so far; its clients' measurements stop here. */
export function proxyReport(proxy: Proxy, options: ProxyReportOptions = {}): Report {
  const { recorder, knowledge } = proxy;
  const upstream = knowledge.section();
  const profiles: ProfileReport[] = [];
  for (const client of recorder.clients.values()) {
    client.metrics.stop();
    const preset = client.identity.preset;
    const config = preset && preset in PRESETS ? PRESETS[preset as PresetName].config : DEFAULT_CONFIG;
    const library = client.identity.library;
    profiles.push({
      ...client.metrics.snapshot(),
      name: client.name,
      description: `observed through tailgate proxy${library ? ` (${library.name}${library.version ? ` ${library.version}` : ''})` : ''}; config shows ${preset ? `${preset}'s defaults` : "tailgate's defaults"}, not the client's own settings, which the wire does not show`,
      preset,
      config: redactConfig(config),
      client: { hedgeBudgetPct: 0, retryBudgetPct: 0, budgetFloor: 0 },
      phases: [],
      warmup: null,
      eventLoop: null,
      server: null,
      findings: [],
      wire: client.wire(upstream),
    });
  }
  const report: Report = {
    schemaVersion: 1,
    tool: { name: 'tailgate', version: VERSION },
    scenario: { name: 'proxy', file: null, hash: '' },
    startedAt: recorder.startedAt.toISOString(),
    endedAt: new Date().toISOString(),
    partial: options.partial ?? false,
    target: { kind: 'url', url: redactUrl(proxy.upstream) },
    // Nothing was generated: the load is whatever the client sent.
    load: { model: 'observed' },
    workload: { kind: 'observed', path: '*', method: '*' },
    gate: { thresholds: options.thresholds ?? [], maxRegression: [] },
    profiles,
  };
  return withFindings(report);
}
