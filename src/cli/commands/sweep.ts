import type { CommandModule } from 'yargs';
import Table from 'cli-table3';
import { InvalidInputError } from '../../engine/index.js';
import { parseSlo, safeText, sweepRates, type SweepPoint } from '../../report/index.js';
import { loadScenario, runScenario, type ProfileReport } from '../../runner/index.js';
import { parseDurationS } from '../duration.js';
import type { CliIo } from '../io.js';
import { prepareOutDir, writeOutputFile } from '../output-files.js';
import { scenarioPath } from '../paths.js';
import { join } from 'node:path';

interface SweepArgs {
  scenario?: string;
  slo: string;
  rates: string;
  duration: string;
  profile?: string;
  out: string;
}

/** "50..400" → {from, to}. */
function parseRange(v: string): { from: number; to: number } {
  const m = /^(\d+(?:\.\d+)?)\s*\.\.\s*(\d+(?:\.\d+)?)$/.exec(v.trim());
  const from = m ? Number(m[1]) : NaN;
  const to = m ? Number(m[2]) : NaN;
  if (!(from > 0) || !(to >= from) || to > 1_000_000) throw new InvalidInputError('--rates', [`must be LOW..HIGH requests/s with 0 < LOW <= HIGH <= 1000000, got ${JSON.stringify(v)}`]);
  return { from, to };
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
        .option('profile', { type: 'string', describe: 'only these profiles, comma-separated' })
        .option('out', { type: 'string', default: 'reports', describe: 'directory for the sweep JSON' }) as never,
    handler: async (args) => {
      const slo = parseSlo(args.slo);
      const range = parseRange(args.rates);
      const durationS = parseDurationS(args.duration, '--duration');
      const scenario = await loadScenario(scenarioPath(args.scenario));
      if (scenario.load.model !== 'open') throw new InvalidInputError('scenario', [`sweep varies the open model's rate; load.model is ${scenario.load.model}`]);
      await prepareOutDir(args.out, '--out');
      const names = args.profile?.split(',').map((s) => s.trim()).filter(Boolean) ?? scenario.profiles.map((p) => p.name);
      const results: { profile: string; capacity: number | null; points: SweepPoint[] }[] = [];
      for (const profile of names) {
        const measure = async (rate: number): Promise<ProfileReport> => {
          const report = await runScenario(scenario, { profiles: [profile], rate, durationS });
          const p = report.profiles[0] as ProfileReport;
          io.out(`${safeText(profile)} at ${rate} req/s: ${p.requests.total} requests, ${p.requests.failed} failed\n`);
          return p;
        };
        const { points, capacity } = await sweepRates(slo, range, measure);
        results.push({ profile, capacity, points });
      }
      const table = new Table({ head: ['profile', `highest rate holding ${args.slo}`, 'rates tried (value ± noise, held?)'], style: { head: [], border: [] } });
      for (const r of results) {
        const tried = r.points.map((p) => `${p.rate}: ${p.value === null ? '–' : p.value.toFixed(2)}${p.margin ? ` ±${p.margin.toFixed(2)}` : ''} ${p.held ? 'held' : 'not held'}`).join('; ');
        table.push([safeText(r.profile), r.capacity === null ? `none (below ${range.from} req/s)` : `${r.capacity} req/s`, tried]);
      }
      io.out(`${table.toString()}\n`);
      const file = join(args.out, `sweep-${scenario.name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
      await writeOutputFile(file, `${JSON.stringify({ scenario: scenario.name, slo: args.slo, range, durationS, results }, null, 2)}\n`);
      io.out(`sweep: ${file}\n`);
    },
  };
}
