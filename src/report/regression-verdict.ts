/**
 * A regression's verdict: the excess of the current run over what the baseline allows, and its interval
 * from the noise of both sides (noise.ts: between runs, batch means, or independent samples for reports
 * without intervals). Fail when the interval lies above zero, pass when it lies at or below, inconclusive
 * when it straddles. The generator's own delay (generator-bound.ts) can only make a run look worse: the
 * current run's is taken off before it can fail, the baseline's before the current run can pass against it.
 */
import { valueOf, type MeasuredProfile, type MetricKind, type MetricSpec, type Regression } from '../metrics/index.js';
import type { ProfileReport } from '../runner/index.js';
import { generatorView, type GeneratorView, type Reading } from './generator-bound.js';
import { betweenRunsNoise, exceeds, runNoise, type Noise, type Verdict } from './noise.js';
import { ALPHA, fmt, fmtCount, fmtNum, type Check } from './verdict-kit.js';

/** Baseline runs at or above this count use their spread as the noise (between runs). */
export const BETWEEN_RUNS_MIN = 3;

const measured = (spec: MetricSpec): Reading => ({ spec, shiftMs: 0 });
/** The reading of a run that makes it look best (lowest, where higher is worse) or worst, within what the generator may have done. */
const bestOf = (v: GeneratorView, higherWorse: boolean): Reading => (v.kind === 'unknown' ? v.measured : higherWorse ? v.lower : v.upper);
const worstOf = (v: GeneratorView, higherWorse: boolean): Reading => (v.kind === 'unknown' ? v.measured : higherWorse ? v.upper : v.lower);

/** Lower is worse for a rate and for goodput; higher for everything else. */
const higherIsWorse = (spec: MetricSpec) => !(spec.kind === 'rate' || spec.name === 'goodput');

export function regressionCheck(p: ProfileReport, r: Regression, base: ProfileReport[], minSamples: number | undefined): Check {
  const head = { kind: 'regression' as const, expression: r.source, profile: p.name, limit: null, confidence: 1 - ALPHA, interval: null };
  const [first] = base;
  if (!first) return { ...head, status: 'inconclusive', value: null, baseline: null, generatorMs: null, detail: `no profile "${p.name}" in the baseline`, decide: `a baseline with a profile "${p.name}"` };
  const cur = valueOf(r.spec, p);
  const old = valueOf(r.spec, first);
  const shared = { ...head, value: cur.value, baseline: old.value, generatorMs: null };
  if (cur.value === null || old.value === null) return { ...shared, status: 'inconclusive', detail: `${r.spec.name} was not measured ${cur.value === null ? 'in this run' : 'in the baseline'}`, decide: 'runs that measure it' };
  if (minSamples !== undefined && (cur.samples < minSamples || old.samples < minSamples)) {
    return { ...shared, status: 'inconclusive', detail: `${fmtCount(cur.samples)} samples now, ${fmtCount(old.samples)} in the baseline: fewer than the ${minSamples} --min-samples asks for`, decide: `at least ${minSamples} samples on both sides` };
  }
  const curView = generatorView(r.spec, p);
  const baseView = generatorView(r.spec, first);
  const worse = higherIsWorse(r.spec);
  // A failure must hold with the current run at its best and the baseline at its worst; a pass the other way round.
  const forFail = noiseOf(bestOf(curView, worse), worstOf(baseView, worse), p, base);
  const forPass = noiseOf(worstOf(curView, worse), bestOf(baseView, worse), p, base);
  const plain = noiseOf(measured(r.spec), measured(r.spec), p, base);
  if (!forFail || !forPass || !plain) return { ...shared, status: 'inconclusive', detail: `${r.spec.name} has no value to compare`, decide: 'runs that measure it' };
  const k = r.relative === null ? 1 : worse ? 1 + r.relative : 1 - r.relative;
  const judge = (n: NonNullable<typeof plain>) => exceeds(n.cur, n.old, k, r.absolute ?? 0, worse);
  const vFail = judge(forFail);
  const vPass = judge(forPass);
  const vPlain = judge(plain);
  const kind = old.kind === 'ratio' ? 'points' : old.kind;
  const describe = `${r.spec.name} ${fmt(plain.old.value, old.kind)} → ${fmt(plain.cur.value, cur.kind)} (${change(plain.old.value, plain.cur.value, old.kind)})`;
  const allowed = r.relative !== null ? `${fmtNum(r.relative * 100)}%` : old.kind === 'ratio' ? `+${fmtNum((r.absolute as number) * 100)} points` : `+${fmt(r.absolute as number, old.kind)}`;
  const margin = `noise ±${fmt(vPlain.margin, kind)}, ${plain.model}`;
  const generatorMs = old.kind === 'duration' ? Math.max(0, plain.cur.value - forFail.cur.value) : null;
  const withNoise = { ...shared, value: plain.cur.value, baseline: plain.old.value, noise: plain.model, generatorMs };
  const failed = vFail.beyondNoise && curView.kind !== 'unknown';
  const passed = vPass.excess + vPass.margin <= 0 && baseView.kind !== 'unknown';
  if (failed) {
    const gen = generatorMs !== null && generatorMs > 0 ? `; the load generator's own delay accounts for at most ${fmt(generatorMs, 'duration')} of it` : '';
    return { ...withNoise, status: 'fail', detail: `${describe}, above the allowed ${allowed} beyond noise (${margin})${gen}`, decide: null };
  }
  if (passed) return { ...withNoise, status: 'pass', detail: `${describe}, within the allowed ${allowed} beyond noise (${margin})`, decide: null };
  const why = undecidedWhy(vPlain, curView, baseView, generatorMs);
  const generatorCaused = vPlain.beyondNoise || (vPlain.excess + vPlain.margin <= 0);
  const decide = generatorCaused ? GENERATOR_ADVICE : decideText(vPlain, plain.old.value, k, r, old.kind, worse, allowed, plain.runs);
  return { ...withNoise, status: 'inconclusive', detail: `${describe}: ${why} (${margin})`, decide };
}

function undecidedWhy(v: Verdict, curView: GeneratorView, baseView: GeneratorView, generatorMs: number | null): string {
  if (v.beyondNoise) {
    if (curView.kind === 'unknown') return `above the allowed change beyond noise as measured, but the load generator was saturated (${curView.why}) and may account for it`;
    return `above the allowed change beyond noise as measured, but the load generator's own delay (up to ${fmt(generatorMs ?? 0, 'duration')}) may account for it`;
  }
  if (v.excess + v.margin <= 0 && baseView.kind === 'unknown') return `within the allowed change, but the baseline's load generator was saturated (${baseView.why}), which may hide a regression`;
  if (v.excess + v.margin <= 0) return `within the allowed change as measured, but the baseline's load generator delay may hide a regression`;
  return v.excess > 0 ? 'above the allowed change, but within noise' : 'within the allowed change, but noise could hide a change beyond it';
}

/** What would decide a check the noise left undecided, and the smallest change this noise fails. */
function decideText(v: Verdict, old: number, k: number, r: Regression, kind: MetricKind, worse: boolean, allowed: string, runs: number | null): string {
  // The value at which the current run would fail: beyond the allowance by the noise margin.
  const boundary = worse ? k * old + (r.absolute ?? 0) + v.margin : k * old - (r.absolute ?? 0) - v.margin;
  const step = kind === 'ratio' ? `${boundary >= old ? '+' : ''}${((boundary - old) * 100).toFixed(2)} points` : old !== 0 ? `${boundary >= old ? '+' : ''}${((boundary / old - 1) * 100).toFixed(1)}%` : null;
  const detectable = step === null ? '' : `; at this noise only a change beyond ${step} fails (allowed ${allowed})`;
  const factor = v.excess === 0 ? Infinity : (v.margin / Math.abs(v.excess)) ** 2;
  const more = !Number.isFinite(factor)
    ? 'nothing: the change sits exactly at the allowance'
    : runs !== null
      ? `about ${Math.ceil(runs * factor)} runs on each side (--repeat, or --baseline given more times)`
      : `runs about ${factor < 10 ? factor.toFixed(1) : Math.ceil(factor)}× as long, or several runs on each side (--repeat 5)`;
  return `${more}${detectable}`;
}

/** What decides a check the load generator's own delay left undecided. */
export const GENERATOR_ADVICE = 'a run whose load generator keeps up (a quieter machine, or fewer requests per process: --workers)';

function change(o: number, c: number, kind: MetricKind): string {
  if (kind === 'ratio') return `${c >= o ? '+' : ''}${((c - o) * 100).toFixed(2)} points`;
  const rel = o > 0 ? c / o - 1 : 0;
  return `${rel >= 0 ? '+' : ''}${(rel * 100).toFixed(1)}%`;
}

const shifted = (n: Noise, ms: number): Noise => (ms === 0 ? n : { ...n, value: Math.max(0, n.value - ms) });

/**
 * The noise of both sides, from the best model both allow: between runs when the baseline has enough
 * runs (a current run alone is taken to spread as the baseline's runs do), else each run's own. Each side
 * is read as `cur` and `old` say (as measured, or with the generator's delay taken off).
 */
function noiseOf(cur: Reading, old: Reading, p: ProfileReport, base: ProfileReport[]): { cur: Noise; old: Noise; model: string; runs: number | null } | null {
  const baseRuns: MeasuredProfile[] = base.flatMap((b) => b.repeats ?? [b]);
  const curRuns: MeasuredProfile[] = p.repeats ?? [p];
  if (baseRuns.length >= BETWEEN_RUNS_MIN) {
    const o = betweenRunsNoise(old.spec, baseRuns);
    if (o) {
      const own = curRuns.length >= 2 ? betweenRunsNoise(cur.spec, curRuns) : null;
      const value = own?.value ?? valueOf(cur.spec, p).value;
      if (value === null) return null;
      const c = own ?? { ...o, value, se: o.spread, model: o.model };
      const model = own ? `between runs (${o.runs} baseline runs, ${own.runs} current)` : `between runs (${o.runs} baseline runs)`;
      return { cur: shifted(c, cur.shiftMs), old: shifted(o, old.shiftMs), model, runs: o.runs };
    }
  }
  const c = runNoise(cur.spec, p);
  const o = runNoise(old.spec, base[0] as ProfileReport);
  if (!c || !o) return null;
  return { cur: shifted(c, cur.shiftMs), old: shifted(o, old.shiftMs), model: c.model === o.model ? c.model : `${o.model} in the baseline, ${c.model} now`, runs: null };
}
