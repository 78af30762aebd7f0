/**
 * The metric registry, in the style of k6's builtin metrics: every metric a gate expression, `compare`, a
 * rendering or the report's declaration speaks of is declared here once, with its kind, its unit, the
 * histogram or counters behind it, and its help. The rest follows from here: the histograms a profile
 * keeps and their summaries in the report (measured.ts), the histograms and counters kept per interval
 * (intervals.ts), the gate's parser and readings (metric-spec.ts, gate-expression.ts), compare's rows, the
 * list of metrics an error message and the README give (metricsHelp, metricsMarkdown).
 *
 * Adding a metric: a declaration here, and its measurement (profile-metrics.ts records the histogram or
 * counts it names); the README's list is this file's rendering (test/docs checks it).
 */
import { ERROR_CODES } from '../engine/index.js';

export type MetricKind = 'duration' | 'ratio' | 'count' | 'rate';
/** Which way is worse: a regression is a move that way. */
export type Better = 'lower' | 'higher';

/** How each kind is written in a gate expression: its units (what each is in the stored unit) and its words. */
export const KINDS: Record<MetricKind, { units: Readonly<Record<string, number>>; shown: string; gives: string }> = {
  duration: { units: { ms: 1, s: 1000, us: 0.001 }, shown: 'ms', gives: 'a time: give ms, s or us' },
  ratio: { units: { '%': 0.01 }, shown: '%', gives: 'a ratio: give a percentage (%)' },
  rate: { units: { '': 1, '/s': 1 }, shown: '/s', gives: 'requests per second: give a number (or /s)' },
  count: { units: { '': 1 }, shown: '', gives: 'a count: give a plain number' },
};

/** What one `unit` of a kind is in its stored unit (ms, a 0..1 share, /s, a count), or undefined when the kind has no such unit. */
export function unitFactor(kind: MetricKind, unit: string | undefined): number | undefined {
  const units = KINDS[kind].units;
  return Object.hasOwn(units, unit ?? '') ? units[unit ?? ''] : undefined;
}

/** A timing: an HDR histogram per run and per interval; its statistics are p(N), avg, min, max, med. */
interface TimingDeclaration {
  /** The histogram behind it (MeasuredProfile.histograms, IntervalSeries.histograms). */
  histogram: string;
  /** Its summary field in a report's profile. */
  summary: string;
  help: string;
  /** Added after the first reports: older ones lack it (read as empty). */
  later?: true;
  /** The statistics `compare` sets side by side. */
  compare?: readonly string[];
}

/** The timings; `latency` is the one a bare statistic (`p(99)`) means. */
export const TIMINGS = {
  latency: { histogram: 'latency', summary: 'latencyMs', help: 'a logical request, from its intended start to its last byte (retries and hedges included)', compare: ['p(50)', 'p(90)', 'p(99)', 'p(99.9)', 'max'] },
  ttfb: { histogram: 'ttfb', summary: 'ttfbMs', help: 'an attempt, from its send to the first byte of its answer', compare: ['p(99)'] },
  queue_wait: { histogram: 'queueWait', summary: 'queueWaitMs', help: 'a try, waiting for a connection from the pool', compare: ['p(99)'] },
  connect: { histogram: 'connect', summary: 'connectMs', help: 'a new connection, TCP and TLS' },
  ttft: { histogram: 'ttft', summary: 'ttftMs', later: true, help: 'a stream, to its first token (as the report’s `metricDefinitions` count it)' },
  itl: { histogram: 'itl', summary: 'itlMs', later: true, help: 'a stream, between tokens' },
  tpot: { histogram: 'tpot', summary: 'tpotMs', later: true, help: 'a stream, per output token after the first' },
} as const satisfies Record<string, TimingDeclaration>;

export type TimingName = keyof typeof TIMINGS;
export type TimingHistogram = (typeof TIMINGS)[TimingName]['histogram'];
export type TimingSummary = (typeof TIMINGS)[TimingName]['summary'];
export const TIMING_NAMES = Object.keys(TIMINGS) as TimingName[];
export const TIMING_HISTOGRAMS = TIMING_NAMES.map((n) => TIMINGS[n].histogram);
export const DURATION_STATS = 'p(N), avg, min, max, med';

/**
 * The counts kept per interval: the numerators and denominators behind every ratio and rate (goodNet:
 * goodput's metNet, which the gate reads for what the load generator may explain).
 */
export const INTERVAL_COUNTS = ['started', 'late', 'completed', 'ok', 'failed', 'primary', 'retry', 'hedge', 'good', 'goodNet'] as const;
export type IntervalCountName = (typeof INTERVAL_COUNTS)[number];

/** What a whole run's counts are read from: a report's profile, or a run's live metrics (an abortOnFail watcher). */
export interface Counted {
  requests: { total: number; ok: number; failed: number; late: number };
  attempts: { total: number; primary: number; hedge: number; retry: number };
  errors: Record<string, number>;
  statuses: Record<string, number>;
  goodput?: { met: number; of: number; metNet?: number } | null;
}

interface RatioDeclaration {
  better: Better;
  /** The numerator and denominator of the whole run. */
  whole: (p: Counted) => [number, number];
  /** The same, per interval. */
  perInterval: readonly [IntervalCountName, IntervalCountName];
  help: string;
  compare?: true;
}

/** Shares, as a percentage in a gate expression. */
export const RATIOS = {
  error_rate: { better: 'lower', whole: (p) => [p.requests.failed, p.requests.total], perInterval: ['failed', 'completed'], help: 'logical requests that failed, of all', compare: true },
  late_rate: { better: 'lower', whole: (p) => [p.requests.late, p.requests.total], perInterval: ['late', 'started'], help: 'requests sent late by the load generator, of all' },
  retry_rate: { better: 'lower', whole: (p) => [p.attempts.retry, p.attempts.primary], perInterval: ['retry', 'primary'], help: 'retries sent per primary attempt' },
  hedge_rate: { better: 'lower', whole: (p) => [p.attempts.hedge, p.attempts.primary], perInterval: ['hedge', 'primary'], help: 'hedges sent per primary attempt' },
  // Requests that met the scenario's SLO (and succeeded): none without an SLO.
  goodput: { better: 'higher', whole: (p) => (p.goodput ? [p.goodput.met, p.goodput.of] : [0, 0]), perInterval: ['good', 'completed'], help: 'requests that met the scenario’s `slo` (and succeeded), of all' },
} as const satisfies Record<string, RatioDeclaration>;

/** Completed OK per second over the load window. */
export const RATE = { name: 'rate', better: 'higher', perInterval: 'ok', help: 'requests completed OK per second of the load window', compare: true } as const satisfies { name: string; better: Better; perInterval: IntervalCountName; help: string; compare: true };

interface CountDeclaration {
  read: (p: Counted) => number;
  /** The samples behind it (what a share of it would be of). */
  samples: (p: Counted) => number;
  /** Its counter per interval, when one is kept (a window can hold it). */
  perInterval?: IntervalCountName;
  help: string;
}

/** Counts: held to a threshold on the observed value (they have no noise model for a regression). */
export const COUNTS = {
  count: { read: (p) => p.requests.total, samples: (p) => p.requests.total, perInterval: 'completed', help: 'logical requests' },
  failed: { read: (p) => p.requests.failed, samples: (p) => p.requests.total, perInterval: 'failed', help: 'logical requests that failed' },
} as const satisfies Record<string, CountDeclaration>;

interface CountFamilyDeclaration {
  /** The placeholder the help shows for a member's key. */
  key: string;
  /** Why a key is not a member, or null when it is. */
  keyProblem: (key: string, name: string) => string | null;
  read: (p: Counted, key: string) => number;
  samples: (p: Counted) => number;
  help: string;
}

const KNOWN_CODES = new Set<string>(ERROR_CODES);

/** Counts by a key (`errors.pool_timeout`, `status.429`): per try, not kept per interval. */
export const COUNT_FAMILIES = {
  errors: {
    key: 'CODE',
    keyProblem: (code, name) => (KNOWN_CODES.has(code) ? null : `unknown error code "${code}" in "${name}" (known: ${ERROR_CODES.join(', ')})`),
    read: (p, code) => p.errors[code] ?? 0,
    samples: (p) => p.attempts.total,
    help: 'tries that failed with an error code',
  },
  status: {
    key: 'NNN',
    keyProblem: (status, name) => (/^[1-5]\d\d$/.test(status) ? null : `"${name}": a status is three digits, 100 to 599`),
    read: (p, status) => p.statuses[status] ?? 0,
    samples: (p) => p.attempts.total,
    help: 'answers with an HTTP status',
  },
} as const satisfies Record<string, CountFamilyDeclaration>;

/** The metrics `compare` sets side by side, in the order it shows them: the timings' chosen statistics, then ratios and the rate. */
export const COMPARED: readonly string[] = [
  ...TIMING_NAMES.flatMap((n) => {
    const t: TimingDeclaration = TIMINGS[n];
    return (t.compare ?? []).map((stat) => (n === 'latency' ? stat : `${n}.${stat}`));
  }),
  ...Object.entries(RATIOS).flatMap(([n, r]: [string, RatioDeclaration]) => (r.compare ? [n] : [])),
  RATE.name,
];

/** Every metric name, as an error message lists them. */
export function metricsHelp(): string {
  const timed = TIMING_NAMES.filter((n) => n !== 'latency').map((n) => `${n}.`);
  return [`${DURATION_STATS} (of latency, or ${timed.join(', ')})`, ...Object.keys(RATIOS), RATE.name, ...Object.keys(COUNTS), ...Object.entries(COUNT_FAMILIES).map(([f, d]) => `${f}.${d.key}`)].join(', ');
}

/** A kind's units as the README writes them: "`ms`, `s` or `us`", "no unit or `/s`". */
function unitsText(kind: MetricKind): string {
  const units = Object.keys(KINDS[kind].units).map((u) => (u === '' ? 'no unit' : `\`${u}\``));
  return units.length > 1 ? `${units.slice(0, -1).join(', ')} or ${units.at(-1)}` : (units[0] as string);
}

/** The README's list of gate metrics: this registry, rendered (test/docs holds the README to it). */
export function metricsMarkdown(): string {
  const item = (name: string, help: string) => `  - \`${name}\`: ${help}`;
  return [
    `- times (${unitsText('duration')}): ${DURATION_STATS.split(', ').map((s) => `\`${s}\``).join(', ')} of a timing, \`latency\` when none is named (\`p(99)\`, \`ttfb.p(99)\`)`,
    ...TIMING_NAMES.map((n) => item(n, TIMINGS[n].help)),
    `- ratios (${unitsText('ratio')})`,
    ...Object.entries(RATIOS).map(([n, r]) => item(n, r.help)),
    `- rates (${unitsText('rate')})`,
    item(RATE.name, RATE.help),
    `- counts (${unitsText('count')})`,
    ...Object.entries(COUNTS).map(([n, c]) => item(n, c.help)),
    ...Object.entries(COUNT_FAMILIES).map(([f, c]) => item(`${f}.${c.key}`, c.help)),
  ].join('\n');
}
