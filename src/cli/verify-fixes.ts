/**
 * `tailgate run --verify-fixes`: every profile with a finding that carries a change is run again, on the
 * same load, with all its findings' changes applied, and judged against the run that raised them
 * (report/verify.ts). The flagged profiles rerun together, one after another, as the scenario's own did.
 */
import { conflicted, judgeFixes, mergedChanges, withFindings } from '../report/index.js';
import { applyFixes, runScenario, type FixVerification, type Report, type RunOptions, type Scenario } from '../runner/index.js';

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
  const judged = await rerunAndJudge(report, scenario, rerun, options);
  // A rerun is one run on a machine that may have stalled: a fix that failed it gets a second, whose verdict stands.
  const failed = new Set(judged.filter((v) => !v.verified && !v.inconclusive).map((v) => v.profile));
  const again = await rerunAndJudge(report, scenario, rerun.filter((p) => failed.has(p.name)), options);
  const second = new Map(again.map((v) => [v.profile, { ...v, reruns: 2 }]));
  return [...out, ...judged.map((v) => second.get(v.profile) ?? v)];
}

async function rerunAndJudge(report: Report, scenario: Scenario, profiles: Scenario['profiles'], options: Omit<RunOptions, 'profiles'>): Promise<FixVerification[]> {
  if (profiles.length === 0 || options.signal?.aborted) return [];
  const after = withFindings(await runScenario({ ...scenario, profiles }, options));
  return after.profiles.flatMap((a) => {
    const before = report.profiles.find((p) => p.name === a.name);
    return before ? [judgeFixes(before, a)] : [];
  });
}
