import type { CommandModule } from 'yargs';
import { join } from 'node:path';
import { InvalidInputError, VERSION } from '../../engine/index.js';
import { maxTrials, parseSlo, pointText, safeText, sweepRates, sweepText, type SweepFile, type SweepPoint } from '../../report/index.js';
import { checkRunOptions, loadScenario, runScenario, type ProfileReport } from '../../runner/index.js';
import { parseDurationS } from '../duration.js';
import type { CliIo } from '../io.js';
import { prepareOutDir, writeOutputFile } from '../output-files.js';
import { scenarioPath } from '../paths.js';

interface SweepArgs {
  scenario?: string;
  slo: string;
  rates: string;
  duration: string;
  'max-duration'?: string;
  profile?: string;
  out: string;
}

/** An undecided trial is lengthened, twice as long each time, up to this many times its length by default. */
const LENGTHEN_UP_TO = 4;

/** "50..400" → {from, to}. */
function parseRange(v: string): { from: number; to: number } {
  const m = /^(\d+(?:\.\d+)?)\s*\.\.\s*(\d+(?:\.\d+)?)$/.exec(v.trim());
  const from = m ? Number(m[1]) : NaN;
  const to = m ? Number(m[2]) : NaN;
  if (!(from > 0) || !(to >= from) || to > 1_000_000) throw new InvalidInputError('--rates', [`must be LOW..HIGH requests/s with 0 < LOW <= HIGH <= 1000000, got ${JSON.stringify(v)}`]);
  return { from, to };
}

/** "about 2 min left": an upper bound, from the trials still possible and the time trials took so far. */
function etaText(seconds: number, trials: number): string {
  if (trials === 0) return 'done';
  const t = seconds >= 90 ? `${Math.round(seconds / 60)} min` : `${Math.max(1, Math.round(seconds))} s`;
  return `at most ${trials} more trial(s), about ${t} left`;
}

export function sweepCommand(io: CliIo): CommandModule<object, SweepArgs> {
  return {
    command: 'sweep [scenario]',
    describe: 'for each profile, the highest offered rate that holds an SLO beyond noise: which client settings carry the most load',
    builder: (y) =>
      y
        .positional('scenario', { type: 'string', describe: 'scenario file, or a bundled scenario name' })
        .option('slo', { type: 'string', demandOption: true, describe: "the objective, a threshold: 'p(99)<300ms', 'goodput>95%', 'ttft.p(99)<500ms'" })
        .option('rates', { type: 'string', default: '10..1000', describe: 'the range of offered rates to search, LOW..HIGH requests/s' })
        .option('duration', { type: 'string', default: '10s', describe: 'each trial run (at least 5 s, so its noise can be estimated)' })
        .option('max-duration', { type: 'string', describe: `a trial too short to decide (within noise of the limit) is run again twice as long, up to this (default ${LENGTHEN_UP_TO}x --duration)` })
        .option('profile', { type: 'string', describe: 'only these profiles, comma-separated' })
        .option('out', { type: 'string', default: 'reports', describe: 'directory for the sweep JSON (tailgate report renders it)' }) as never,
    handler: async (args) => {
      const slo = parseSlo(args.slo);
      const range = parseRange(args.rates);
      const durationS = parseDurationS(args.duration, '--duration');
      const maxDurationS = args['max-duration'] === undefined ? LENGTHEN_UP_TO * durationS : parseDurationS(args['max-duration'], '--max-duration');
      if (maxDurationS < durationS) throw new InvalidInputError('--max-duration', [`must be at least --duration (${args.duration}), got ${args['max-duration']}`]);
      const scenario = await loadScenario(scenarioPath(args.scenario));
      if (scenario.load.model !== 'open') throw new InvalidInputError('scenario', [`sweep varies the open model's rate; load.model is ${scenario.load.model}`]);
      const names = args.profile?.split(',').map((s) => s.trim()).filter(Boolean) ?? scenario.profiles.map((p) => p.name);
      checkRunOptions(scenario, { profiles: names });
      const noSlo = scenario.profiles.filter((p) => names.includes(p.name) && !p.slo).map((p) => p.name);
      if (slo.spec.name === 'goodput' && noSlo.length) throw new InvalidInputError('--slo', [`goodput counts requests that met the scenario's slo (ttft, itl, e2e), and ${noSlo.join(', ')} ha${noSlo.length > 1 ? 've' : 's'} none: add slo to the scenario, or hold another metric`]);
      await prepareOutDir(args.out, '--out');

      const startedAt = new Date().toISOString();
      const perProfile = maxTrials(range);
      let spentS = 0;
      let trialsRun = 0;
      const results: SweepFile['results'] = [];
      for (const [index, profile] of names.entries()) {
        let trialsOfProfile = 0;
        const measure = async (rate: number, seconds: number): Promise<ProfileReport> => {
          const began = performance.now();
          const report = await runScenario(scenario, { profiles: [profile], rate, durationS: seconds });
          spentS += (performance.now() - began) / 1000;
          trialsRun++;
          trialsOfProfile++;
          return report.profiles[0] as ProfileReport;
        };
        const onTrial = (p: SweepPoint, again: boolean) => {
          const left = Math.max(0, perProfile - trialsOfProfile) + (names.length - 1 - index) * perProfile + (again ? 1 : 0);
          const next = again ? `; too short to decide: again for ${p.durationS * 2} s` : '';
          io.out(`${safeText(profile)} at ${p.rate} req/s for ${p.durationS} s: ${slo.spec.name} ${pointText(slo.spec.kind, p)} (${p.requests.total} requests, ${p.requests.failed} failed)${next} · ${etaText((spentS / trialsRun) * left, left)}\n`);
        };
        const { points, capacity } = await sweepRates(slo, range, measure, { durationS, maxDurationS, onTrial });
        results.push({ profile, capacity, points });
      }
      const sweep: SweepFile = {
        kind: 'sweep',
        schemaVersion: 1,
        tool: { name: 'tailgate', version: VERSION },
        scenario: { name: scenario.name, file: scenario.file, hash: scenario.hash },
        startedAt,
        endedAt: new Date().toISOString(),
        slo: args.slo,
        range,
        durationS,
        maxDurationS,
        results,
      };
      io.out(sweepText(sweep));
      const file = join(args.out, `sweep-${scenario.name}-${startedAt.replace(/[:.]/g, '-')}.json`);
      await writeOutputFile(file, `${JSON.stringify(sweep, null, 2)}\n`);
      io.out(`sweep: ${file} (tailgate report ${file} --html F draws it)\n`);
    },
  };
}
