/**
 * npm run bench:hedging — does a hedge cut the tail, and for how many extra requests? Against the tailgate
 * mock (its own process) with a heavy tail: 3% of answers take 1 s, the rest 10 ms. The same open load
 * through a profile that hedges after 50 ms (hedge budget 10%) and one that does not, in paired rounds
 * (each round runs both back to back, the order alternating).
 * - p99 hedged / unhedged, the median of the per-round ratios. Target <= 0.2: issue 3's "p99 cut >= 5x".
 * - attempts / requests of the hedged profile, in its worst round. Target: what the budget promises
 *   (budget.ts): 1 + pct, plus the floor's tokens (2 per 10 s window) spread over the round's requests.
 */
import { startMockProcess } from '../mock-server/index.js';
import { DEFAULT_BUDGET_FLOOR } from '../src/index.js';
import { resolveScenario, runScenario, type ProfileReport } from '../src/runner/index.js';
import { pairedRatios, ratioRow, row, writeBenchRows } from './harness.js';

const ROUNDS = Number(process.env.ROUNDS ?? 6);
const SECONDS = Number(process.env.SECONDS ?? 5);
const RATE = Number(process.env.RATE ?? 200);
const HEDGE_DELAY_S = 0.05;
const BUDGET_PCT = 0.1;
const BUDGET_WINDOW_S = 10; // PerformanceClient's default budget window

const mock = await startMockProcess({ faults: { seed: 7, rules: [{ kind: 'latency', dist: 'bimodal', fastMs: 10, slowMs: 1000, slowPct: 3 }] } });

async function run(hedged: boolean): Promise<ProfileReport> {
  const scenario = resolveScenario({
    name: 'hedging-bench',
    target: { url: mock.url },
    workload: { kind: 'embed', inputsPerRequest: 4 },
    load: { model: 'open', rate: RATE, durationS: SECONDS },
    profiles: [{ name: hedged ? 'hedged' : 'unhedged', pool: { connections: 256 }, client: hedged ? { hedgeDelayS: HEDGE_DELAY_S, hedgeBudgetPct: BUDGET_PCT } : {} }],
  });
  const p = (await runScenario(scenario)).profiles[0]!;
  if (p.requests.failed > 0) throw new Error(`${p.requests.failed} requests failed`);
  return p;
}

const hedgedRuns: ProfileReport[] = [];
const plainRuns: ProfileReport[] = [];
const p99 = (p: ProfileReport) => p.latencyMs?.p99 ?? Number.NaN;
await run(true); // warm-up
const cut = await pairedRatios(
  ROUNDS,
  async () => p99(hedgedRuns[hedgedRuns.push(await run(true)) - 1]!),
  async () => p99(plainRuns[plainRuns.push(await run(false)) - 1]!),
);
await mock.close();

const extra = hedgedRuns.map((p) => p.attempts.total / p.requests.total);
const worst = hedgedRuns[extra.indexOf(Math.max(...extra))]!;
const promised = 1 + BUDGET_PCT + (DEFAULT_BUDGET_FLOOR * (1 + Math.ceil(SECONDS / BUDGET_WINDOW_S))) / worst.requests.total;
const [q1, med, q3] = cut.q;
console.log(`\nhedging a bimodal tail (3% take 1000 ms, else 10 ms), open load ${RATE}/s, ${ROUNDS} paired rounds x ${SECONDS} s`);
console.log(`  unhedged p99 ms      ${plainRuns.map(p99).join(' ')}`);
console.log(`  hedged p99 ms        ${hedgedRuns.map(p99).join(' ')}   (hedge after ${HEDGE_DELAY_S * 1000} ms, budget ${BUDGET_PCT * 100}%)`);
console.log(`  p99 hedged/unhedged: median ${med.toFixed(3)}, interquartile range ${q1.toFixed(3)}..${q3.toFixed(3)} (target <= 0.2)`);
console.log(`  attempts/requests hedged: ${extra.map((x) => x.toFixed(3)).join(' ')}; hedges won ${hedgedRuns.map((p) => p.budgets.hedge.won).join(' ')}, denied ${hedgedRuns.map((p) => p.budgets.hedge.denied).join(' ')}`);
console.log(`  the budget promises at most ${promised.toFixed(3)} (1 + ${BUDGET_PCT} + floor ${DEFAULT_BUDGET_FLOOR} per ${BUDGET_WINDOW_S} s window over ${worst.requests.total} requests)`);

await writeBenchRows('hedging', [
  ratioRow('hedging', `p99, hedge after ${HEDGE_DELAY_S * 1000} ms`, 'p99 unhedged', cut.ratios, 0.2, '<='),
  row('hedging', 'attempts/requests hedged, worst round', 'requests', Math.max(...extra), Math.round(promised * 1000) / 1000, '<='),
]);
