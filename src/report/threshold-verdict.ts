/**
 * A threshold's verdict from a confidence interval on its statistic (estimates.ts), never from a
 * minimum count: pass when the interval lies within the limit, fail when it lies beyond, inconclusive
 * only when it straddles. The generator's own delay (generator-bound.ts) enters as a bound: a failure
 * must hold with that delay taken off, a pass as measured.
 *
 * The whole run's statistic stands for the configuration (another run would measure it again), so its
 * interval honours the correlation within the run (an effective sample size, batch means). A windowed
 * threshold (`over 10s`) asks something else: whether this run had a bad stretch. A window is judged on
 * its own samples as they came (the stall that makes the run's estimate uncertain is the window's
 * finding, not its noise), and a window's failure is held to a stricter level, the check's 2.5% shared
 * by the run's disjoint windows (Bonferroni), so a long run of many windows fails no more often than one.
 */
import type { MetricSpec, Op, Threshold } from '../metrics/index.js';
import type { ProfileReport } from '../runner/index.js';
import { percentileInterval, histogramOver, meanContext, meanOver, observedOver, shapeOf, shareContext, shareEstimate, shareOver, type Estimate, type Range } from './estimates.js';
import { generatorView, type GeneratorView, type Reading } from './generator-bound.js';
import { GENERATOR_ADVICE } from './regression-verdict.js';
import { ALPHA, fmt, fmtCount, fmtSpan, fmtS, type Check, type CheckStatus } from './verdict-kit.js';

type Side = 'within' | 'beyond' | 'straddles';

/** Where an estimate lies against a limit, at the confidence its interval was made with. */
export function sideOf(e: Pick<Estimate, 'lo' | 'hi' | 'value'>, op: Op, limit: number): Side {
  switch (op) {
    case '<':
      return e.hi < limit ? 'within' : e.lo >= limit ? 'beyond' : 'straddles';
    case '<=':
      return e.hi <= limit ? 'within' : e.lo > limit ? 'beyond' : 'straddles';
    case '>':
      return e.lo > limit ? 'within' : e.hi <= limit ? 'beyond' : 'straddles';
    case '>=':
      return e.lo >= limit ? 'within' : e.hi < limit ? 'beyond' : 'straddles';
    case '==':
      return e.value === limit ? 'within' : 'beyond';
  }
}

/** A percentile held below a limit is a share at or below it held at or above q (and the other way round). */
const shareOp = (op: Op): Op => (op === '<' || op === '<=' ? '>=' : op === '==' ? '==' : '<');

/** One threshold's judgement of a range (the run, or a window), with what it rests on. */
interface Judged {
  status: CheckStatus;
  /** What the statistic is, as measured (on the metric's scale) and with the generator's delay taken off. */
  value: number;
  netValue: number | null;
  interval: [number, number] | null;
  samples: number;
  effective: number | null;
  /** Why it is undecided (for an inconclusive judgement). */
  undecided: 'noise' | 'generator' | null;
  /** The share or mean estimate behind a noise straddle (to say what would decide it). */
  estimate: Estimate | null;
}

interface Plan {
  t: Threshold;
  p: ProfileReport;
  view: GeneratorView;
  share: { deff: number; model: string } | null;
  mean: ReturnType<typeof meanContext>;
}

/** One reading of the metric (measured, or a bound of the server's part) over a range, at a confidence. */
function estimate(plan: Plan, reading: Reading, range: Range, alpha: number): Estimate | null {
  const { t, p } = plan;
  switch (shapeOf(t.spec)) {
    case 'share':
      // A window is judged on its own samples (see the header). Values lowered by a shift are a limit raised by it.
      return shareOver(reading.spec, p, range, t.limit + reading.shiftMs, range === null ? (plan.share?.deff ?? 1) : 1, alpha);
    case 'mean':
      return plan.mean ? meanOver(reading.spec, p, range, plan.mean, alpha, reading.shiftMs) : null;
    case 'observed':
      return observedOver(reading.spec, p, range, reading.shiftMs);
  }
}

function judge(plan: Plan, range: Range, alphaBeyond: number): Judged | null {
  const { t, view } = plan;
  // A percentile is judged as the share of samples at or below its limit.
  const percentile = t.spec.kind === 'duration' && shapeOf(t.spec) === 'share';
  const op = percentile ? shareOp(t.op) : t.op;
  const limit = percentile ? (t.spec as { stat: { q: number } }).stat.q / 100 : t.limit;
  const measured = { spec: t.spec, shiftMs: 0 };
  const within = estimate(plan, measured, range, ALPHA);
  const beyond = estimate(plan, measured, range, alphaBeyond);
  if (!within || !beyond) return null;
  const readings = view.kind === 'range' ? [view.lower, view.upper] : [view.measured];
  const at = (alpha: number) => readings.map((r) => estimate(plan, r, range, alpha)).map((e) => (e ? sideOf(e, op, limit) : 'straddles'));
  const inside = at(ALPHA).every((x) => x === 'within');
  const measuredBeyond = sideOf(beyond, op, limit) === 'beyond';
  const out = view.kind !== 'unknown' && at(alphaBeyond).every((x) => x === 'beyond');
  const lower = view.kind === 'range' ? estimate(plan, view.lower, range, ALPHA) : null;
  return {
    status: inside ? 'pass' : out ? 'fail' : 'inconclusive',
    ...onMetricScale(plan, range, within, lower),
    samples: within.samples,
    effective: within.effective,
    undecided: inside || out ? null : measuredBeyond ? 'generator' : 'noise',
    estimate: within,
  };
}

/** A share's judgement shown on the metric's own scale: the percentile and its interval, not the share. */
function onMetricScale(plan: Plan, range: Range, e: Estimate, net: Estimate | null): Pick<Judged, 'value' | 'netValue' | 'interval'> {
  const { t, p, view } = plan;
  const spec = t.spec;
  if (spec.kind === 'duration' && typeof spec.stat === 'object' && spec.stat.q < 100) {
    const h = histogramOver(spec, p, range);
    const q = spec.stat.q;
    const value = h.getValueAtPercentile(q) / 1000;
    const lower = view.kind === 'range' ? view.lower : null;
    const netValue = lower && lower.spec.kind === 'duration' ? Math.max(0, histogramOver(lower.spec, p, range).getValueAtPercentile(q) / 1000 - lower.shiftMs) : null;
    return { value, netValue, interval: percentileInterval(h, q, e.effective ?? h.totalCount, ALPHA) };
  }
  const observed = shapeOf(spec) === 'observed';
  return { value: e.value, netValue: net && net.value !== e.value ? net.value : null, interval: observed ? null : [e.lo, e.hi] };
}

/** The threshold, judged over the whole run or every window. */
export function thresholdCheck(p: ProfileReport, t: Threshold, minSamples: number | undefined): Check {
  const head = { kind: 'threshold' as const, expression: t.source, profile: p.name, limit: t.limit, baseline: null, confidence: 1 - ALPHA };
  const view = generatorView(t.spec, p);
  const plan: Plan = {
    t,
    p,
    view,
    share: shapeOf(t.spec) === 'share' ? shareContext(t.spec, p, t.limit) : null,
    mean: shapeOf(t.spec) === 'mean' ? meanContext(t.spec, p) : null,
  };
  if (t.windowMs !== null) return windowedCheck(plan, head);
  const j = judge(plan, null, ALPHA);
  if (!j) return { ...head, status: 'inconclusive', value: null, interval: null, generatorMs: null, detail: `${t.spec.name}: nothing was measured`, decide: 'a run that measures it' };
  const kind = kindOf(t.spec);
  if (minSamples !== undefined && j.samples < minSamples) {
    return { ...head, status: 'inconclusive', value: j.value, interval: j.interval, generatorMs: null, detail: `${fmtCount(j.samples)} sample(s), fewer than the ${minSamples} --min-samples asks for`, decide: `at least ${minSamples} samples` };
  }
  const generatorMs = j.netValue === null ? null : Math.max(0, j.value - j.netValue);
  const base = `${t.spec.name} ${fmt(j.value, kind)}${intervalText(j, kind)}`;
  const generator = generatorMs !== null && generatorMs > 0 && kind === 'duration' ? `; the load generator's own delay may account for up to ${fmt(generatorMs, kind)} of it` : '';
  const basis = basisText(plan, j);
  if (j.status === 'pass') return { ...head, status: 'pass', value: j.value, interval: j.interval, generatorMs, detail: `${base} ${t.op} ${fmt(t.limit, kind)}${basis}`, decide: null };
  if (j.status === 'fail') return { ...head, status: 'fail', value: j.value, interval: j.interval, generatorMs, detail: `${base} not ${t.op} ${fmt(t.limit, kind)}${basis}${generator}`, decide: null };
  const decide = decideText(plan, j);
  const why = j.undecided === 'generator' ? `not ${t.op} ${fmt(t.limit, kind)} as measured, but ${generatorText(plan, j, kind)}` : `straddles ${fmt(t.limit, kind)}`;
  return { ...head, status: 'inconclusive', value: j.value, interval: j.interval, generatorMs, detail: `${base} ${why}${basis}`, decide };
}

const kindOf = (spec: MetricSpec) => spec.kind;

function intervalText(j: Judged, kind: MetricSpec['kind']): string {
  if (!j.interval || j.interval[0] === j.interval[1]) return '';
  return ` (95% CI ${fmt(j.interval[0], kind)}–${fmt(j.interval[1], kind)})`;
}

/** What the verdict rests on: the samples and how correlated they are, or that there is no interval. */
function basisText(plan: Plan, j: Judged): string {
  const shape = shapeOf(plan.t.spec);
  if (shape === 'observed') return `; ${plan.t.spec.kind === 'count' ? 'a count' : 'an extreme'} has no interval: judged on the observed value`;
  if (shape === 'mean') return `; ${fmtCount(j.samples)} samples, ${plan.mean?.model ?? ''}`;
  return `; ${fmtCount(j.samples)} samples, ${plan.share?.model ?? ''}`;
}

function generatorText(plan: Plan, j: Judged, kind: MetricSpec['kind']): string {
  if (plan.view.kind === 'unknown') return `the load generator was saturated (${plan.view.why}) and may account for it`;
  const without = j.netValue === null ? '' : ` (without it: ${fmt(j.netValue, kind)})`;
  return `the load generator's own delay may account for it${without}`;
}

/** What would decide an inconclusive judgement. */
function decideText(plan: Plan, j: Judged): string {
  if (j.undecided === 'generator') return GENERATOR_ADVICE;
  const e = j.estimate;
  if (!e) return 'more samples';
  const shape = shapeOf(plan.t.spec);
  if (shape === 'share') {
    const percentile = plan.t.spec.kind === 'duration';
    const op = percentile ? shareOp(plan.t.op) : plan.t.op;
    const limit = percentile ? (plan.t.spec as { stat: { q: number } }).stat.q / 100 : plan.t.limit;
    if (e.value === limit) return 'nothing: the value sits at the limit';
    const deff = plan.share?.deff ?? 1;
    for (let m = 2; m <= 2 ** 20; m *= 2) {
      const bigger = shareEstimate(e.value * e.samples * m, e.samples * m, deff, ALPHA);
      if (sideOf(bigger, op, limit) !== 'straddles') return `about ${fmtCount(e.samples * m)} samples (now ${fmtCount(e.samples)}), if the value holds`;
    }
    return 'far more samples than a run gives: the value is at the limit';
  }
  const half = (e.hi - e.lo) / 2;
  const gap = Math.abs(e.value - plan.t.limit);
  if (gap === 0 || half === 0) return 'nothing: the value sits at the limit';
  return `about ${fmtCount(Math.ceil(e.samples * (half / gap) ** 2))} samples (now ${fmtCount(e.samples)}), if the value holds`;
}

/** Every window (sliding by one interval) judged; failing windows held to the run's level over its disjoint windows. */
function windowedCheck(plan: Plan, head: Omit<Check, 'status' | 'value' | 'interval' | 'generatorMs' | 'detail' | 'decide'>): Check {
  const { t, p } = plan;
  const s = p.intervals;
  const none = { value: null, interval: null, generatorMs: null };
  if (!s) return { ...head, ...none, status: 'inconclusive', detail: 'the report has no intervals (made by an older tailgate): a window cannot be judged', decide: 'a report from this tailgate' };
  const n = s.counts.completed.length;
  const span = Math.min(n, Math.max(1, Math.ceil((t.windowMs as number) / s.widthMs)));
  const disjoint = Math.max(1, Math.ceil(n / span));
  const kind = kindOf(t.spec);
  const judged: { from: number; j: Judged }[] = [];
  for (let from = 0; from + span <= n; from++) {
    const j = judge(plan, { from, to: from + span }, ALPHA / disjoint);
    if (j && j.samples > 0) judged.push({ from, j });
  }
  if (judged.length === 0) return { ...head, ...none, status: 'inconclusive', detail: `no ${fmtSpan(span * s.widthMs)} window measured ${t.spec.name}`, decide: 'a run that measures it' };
  const where = (from: number) => `window ${fmtS(from * s.widthMs)}–${fmtS((from + span) * s.widthMs)}`;
  const worstOf = (xs: typeof judged) => xs.reduce((a, b) => (further(t, b.j.value, a.j.value) ? b : a));
  const failed = judged.filter((w) => w.j.status === 'fail');
  const undecided = judged.filter((w) => w.j.status === 'inconclusive');
  const level = `each window at 95%, a failing one at ${(100 * (1 - ALPHA / disjoint)).toFixed(disjoint > 1 ? 1 : 0)}% (${disjoint} disjoint windows)`;
  const show = (w: { from: number; j: Judged }) => `${where(w.from)}: ${t.spec.name} ${fmt(w.j.value, kind)}${intervalText(w.j, kind)}`;
  const result = (status: CheckStatus, w: { from: number; j: Judged }, detail: string, decide: string | null): Check => ({
    ...head,
    status,
    value: w.j.value,
    interval: w.j.interval,
    generatorMs: w.j.netValue === null ? null : Math.max(0, w.j.value - w.j.netValue),
    detail,
    decide,
  });
  if (failed.length) {
    const w = worstOf(failed);
    return result('fail', w, `${show(w)} not ${t.op} ${fmt(t.limit, kind)} (${failed.length} of ${judged.length} windows fail; ${level})`, null);
  }
  if (undecided.length) {
    const w = worstOf(undecided);
    return result('inconclusive', w, `${undecided.length} of ${judged.length} windows of ${fmtSpan(span * s.widthMs)} undecided; ${show(w)} against ${fmt(t.limit, kind)} (${level})`, decideText(plan, w.j));
  }
  const w = worstOf(judged);
  return result('pass', w, `all ${judged.length} windows of ${fmtSpan(span * s.widthMs)} hold; worst ${show(w)} (${level})`, null);
}

/** Is a further from holding than b? (A larger value for < and <=, a smaller one for > and >=.) */
function further(t: Threshold, a: number, b: number): boolean {
  return t.op === '>' || t.op === '>=' ? a < b : t.op === '==' ? Math.abs(a - t.limit) > Math.abs(b - t.limit) : a > b;
}
