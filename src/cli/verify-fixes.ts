/**
 * `tailgate run --verify-fixes`: every profile with a finding that carries a change is run again, on the
 * same load, with all its findings' changes applied, and judged against the run that raised them
 * (report/verify.ts). The flagged profiles rerun together, one after another, as the scenario's own did.
 */
import { applyFixes, conflicted, judgeFixes, mergedChanges, withFindings } from '../report/index.js';
import { runScenario, type FixVerification, type Report, type RunOptions, type Scenario } from '../runner/index.js';

export async function verifyFixes(report: Report, scenario: Scenario, options: Omit<RunOptions, 'profiles'>): Promise<FixVerification[]> {
  const out: FixVerification[] = [];
  const rerun: Scenario['profiles'] = [];
  for (const p of report.profiles) {
    if (!p.findings.some((f) => f.change !== null)) continue;
    const clash = conflicted(p);
    if (clash) {
      out.push(clash);
      continue;
    }
    const profile = scenario.profiles.find((x) => x.name === p.name);
    if (profile) rerun.push(applyFixes(profile, mergedChanges(p.findings).settings));
  }
  if (rerun.length === 0 || options.signal?.aborted) return out;
  const after = withFindings(await runScenario({ ...scenario, profiles: rerun }, options));
  for (const a of after.profiles) {
    const before = report.profiles.find((p) => p.name === a.name);
    if (before) out.push(judgeFixes(before, a));
  }
  return out;
}
