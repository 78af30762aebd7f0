/**
 * The end of every run a command carries out (`run`, `run --workers`, `coordinate`): print the summary,
 * write the report JSON and its renderings, and set the exit code that tells CI what the run means.
 */
import { join } from 'node:path';
import { gateFailed, gateVerdictText, markdownSummary, mergeReports, reportProblems, runGate, withFindings } from '../report/index.js';
import type { CoordinatedRun, Distribution, MockStats, Report } from '../runner/index.js';
import { EXIT } from './exit-codes.js';
import type { CliIo } from './io.js';
import { printSummary, uniqueFileName, writeOutputs } from './outputs.js';
import { writeOutputFile } from './output-files.js';

export interface FinishOptions {
  out: string;
  /** Added to the file name (a shard's own report). */
  suffix?: string;
  /** Also the Markdown summary: to this file, or to stdout with '-' (a pod's log). */
  md?: string;
  /** false for a coordinated shard: its share is gated by the coordinator, with the others'. */
  gate?: boolean;
  setExit(code: number): void;
}

export async function finishRun(report: Report, io: CliIo, options: FinishOptions): Promise<void> {
  const checks = options.gate === false ? [] : runGate(report, { thresholds: report.gate.thresholds, maxRegression: [] });
  printSummary(report, checks, io);
  if (checks.length) io.out(`${gateVerdictText(checks)}\n`);
  const name = uniqueFileName(`${report.scenario.name}-${report.startedAt.replace(/[:.]/g, '-')}${options.suffix ?? ''}`, new Set(), '');
  const base = join(options.out, name);
  await writeOutputFile(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  io.out(`${report.partial ? `partial report (${report.distribution?.missing.length ? 'shards missing' : 'stopped early'})` : 'report'}: ${base}.json\n`);
  await writeOutputs(report, checks, { html: `${base}.html`, ...(options.md && options.md !== '-' ? { md: options.md } : {}) }, io);
  if (options.md === '-') io.out(`\n${markdownSummary(report, checks)}`);
  if (options.gate === false) return;
  if (report.stoppedBy) {
    io.out(`stopped early: ${report.stoppedBy.profile} lost the abortOnFail threshold ${report.stoppedBy.threshold} (${report.stoppedBy.detail})\n`);
    options.setExit(EXIT.failed);
  } else if (report.partial) options.setExit(EXIT.couldNotRun);
  else if (gateFailed(checks)) options.setExit(EXIT.failed);
}

/** One report from a coordinated run's shards (null, and said why, when not one shard reported). */
export function mergeCoordinated(run: CoordinatedRun, mode: Distribution['mode'], io: CliIo, extra: { target?: Report['target']; servers?: Record<string, MockStats> | null } = {}): Report | null {
  const missing = run.outcomes.filter((o) => o.status !== 'reported').map((o) => ({ index: o.index, status: o.status as 'failed' | 'missing', detail: o.detail }));
  // A report that arrived over the network is checked as one read from a file: one that cannot be merged is that shard's failure.
  const reportedBy = run.outcomes.filter((o) => o.status === 'reported').map((o) => o.index);
  const reports = run.reports.filter((r, i) => {
    const problems = reportProblems(r);
    if (problems.length) missing.push({ index: reportedBy[i] as number, status: 'failed', detail: `its report is not one: ${problems.slice(0, 3).join('; ')}` });
    return problems.length === 0;
  });
  if (reports.length === 0) {
    io.err(`tailgate: no shard reported, nothing was measured:\n${missing.map((m) => `  - shard ${m.index}/${run.shards} ${m.status}: ${m.detail ?? ''}`).join('\n')}\n`);
    return null;
  }
  const perShard = (pick: (o: CoordinatedRun['outcomes'][number]) => number | null) => Object.fromEntries(run.outcomes.map((o) => [String(o.index), pick(o)]));
  const distribution: Distribution = { shards: run.shards, mode, startSkewMs: perShard((o) => o.startSkewMs), clockRttMs: perShard((o) => o.clockRttMs), missing };
  const merged = mergeReports(reports, { distribution, ...(extra.target ? { target: extra.target } : {}), ...(extra.servers !== undefined ? { servers: extra.servers } : {}) });
  return withFindings(merged);
}
