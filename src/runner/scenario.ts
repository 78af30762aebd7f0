/**
 * Scenario files (YAML or JSON): target, workload, load, phases, warm-up, profiles, gate. Validated in
 * full before anything is sent; every problem names the file, the path and what is wrong.
 */
import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { MAX_ANSWER_VALUES, MAX_INPUTS, resolveFaults, type FaultConfig } from '../../mock-server/index.js';
import { DEFAULT_BUDGET_FLOOR, headersProblem, InvalidInputError, targetUrlProblem, PREFERENCE_DEFAULTS, PREFERENCE_SPECS, resolveConfig, PRESET_NAMES, type ClientConfig, type ClientConfigInput, type HttpMethod } from '../engine/index.js';
import { parseGateExpressions, type Slo, type ThresholdInput } from '../metrics/index.js';
import { readInputFile } from './input-file.js';
import { loadProblems, resolveLoad } from './scenario-load.js';
import { loadTrace } from './trace-file.js';
import { check, toJsonSchema } from './spec.js';
import { DEFAULT_PATHS, MAX_SCENARIO_BYTES, MOVED_TO_RETRY, SCENARIO_SPEC, type ClientPolicy, type ResolvedProfile, type Scenario, type WorkloadKind } from './scenario-spec.js';

export { LOAD_MODELS, MAX_RATE, SCENARIO_SPEC, WORKLOAD_KINDS, type ClientPolicy, type LoadModel, type ResolvedProfile, type Scenario, type WorkloadKind } from './scenario-spec.js';

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Check a parsed scenario and resolve profiles (extends, presets) and defaults. */
export function resolveScenario(input: unknown, file: string | null = null, text?: string): Scenario {
  const problems: string[] = [];
  const raw = check(SCENARIO_SPEC, input, '', problems) as Raw;
  if (problems.length === 0) crossCheck(raw, problems);
  const scenarioSlo = problems.length === 0 ? resolveSlo(raw.slo as Raw | undefined, 'slo', problems) : null;
  const profiles = problems.length === 0 ? resolveProfiles(raw.profiles as Raw[], problems, scenarioSlo) : [];
  let faults: FaultConfig | null = null;
  let phases: Scenario['phases'] = [];
  if (problems.length === 0) {
    faults = prefixed(problems, 'target.mock.faults', () => resolveFaults(raw.target?.mock?.faults ?? {}, 'target.mock.faults'));
    phases = ((raw.phases ?? []) as Raw[]).map((p, i) => ({
      ...p,
      atS: p.atS as number,
      faults: p.faults === undefined ? undefined : (prefixed(problems, `phases[${i}].faults`, () => resolveFaults(p.faults, 'phase')) ?? undefined),
    })) as Scenario['phases'];
  }
  // Gate expressions are checked whatever else is wrong: every problem is listed at once.
  if (raw && typeof raw === 'object') checkGate(raw.gate as Raw | undefined, problems);
  if (problems.length > 0) throw new InvalidInputError(file ? `scenario ${file}` : 'scenario', problems);
  const w = raw.workload as Raw;
  const hash = createHash('sha256').update(text ?? JSON.stringify(input)).digest('hex').slice(0, 16);
  return {
    name: raw.name,
    description: raw.description,
    file,
    hash,
    target: {
      url: raw.target?.url ?? null,
      headers: raw.target?.headers ?? {},
      mock: { faults: faults as FaultConfig, embeddingDim: raw.target?.mock?.embeddingDim ?? 32, tokensPerSecond: raw.target?.mock?.tokensPerSecond ?? 200, backlog: raw.target?.mock?.backlog ?? 511 },
    },
    workload: {
      kind: w.kind,
      path: w.path ?? DEFAULT_PATHS[w.kind as WorkloadKind],
      method: w.method ?? (w.kind === 'request' && w.body === undefined ? 'GET' : 'POST'),
      model: w.model,
      inputsPerRequest: w.inputsPerRequest,
      textChars: { min: w.textChars?.min ?? 50, max: w.textChars?.max ?? 200 },
      maxTokens: w.maxTokens,
      body: w.body,
    },
    load: resolveLoad(raw.load, file) as Scenario['load'],
    warmup: raw.warmup ?? null,
    phases,
    profiles,
    gate: { thresholds: (raw.gate?.thresholds ?? []) as ThresholdInput[], maxRegression: (raw.gate?.maxRegression ?? []) as string[] },
    slo: scenarioSlo,
    metricDefinitions: raw.metricDefinitions ?? 'tailgate',
  };
}

/** Gate expressions are checked with the scenario: a typo fails before the first request, not after the run. */
function checkGate(gate: Raw | undefined, problems: string[]): void {
  const thresholds = (gate?.thresholds ?? []) as unknown[];
  let badShape = false;
  thresholds.forEach((t, i) => {
    if (typeof t === 'string') return;
    const o = t as Record<string, unknown>;
    const extra = t && typeof t === 'object' ? Object.keys(o).filter((k) => k !== 'threshold' && k !== 'abortOnFail') : [];
    if (!t || typeof t !== 'object' || Array.isArray(t) || typeof o.threshold !== 'string' || (o.abortOnFail !== undefined && typeof o.abortOnFail !== 'boolean') || extra.length) {
      badShape = true;
      problems.push(`gate.thresholds[${i}]: must be an expression string or {threshold: string, abortOnFail?: boolean}, got ${JSON.stringify(t)}`);
    }
  });
  if (badShape) return;
  prefixed(problems, 'gate', () => parseGateExpressions(thresholds as ThresholdInput[], (gate?.maxRegression ?? []) as string[]));
}

function prefixed<T>(problems: string[], prefix: string, fn: () => T): T | null {
  try {
    return fn();
  } catch (err) {
    const list = (err as { problems?: string[] }).problems ?? [(err as Error).message];
    for (const p of list) problems.push(`${prefix}: ${p}`);
    return null;
  }
}

function crossCheck(raw: Raw, problems: string[]): void {
  const load = raw.load as Raw;
  const need = (field: string, models: string[]) => {
    if (models.includes(load.model) && load[field] === undefined) problems.push(`load.${field} is required for the ${load.model} model`);
  };
  need('users', ['closed']);
  need('rate', ['open']);
  need('stages', ['ramping']);
  need('burstSize', ['bursts']);
  need('burstGapMs', ['bursts']);
  need('file', ['trace']);
  problems.push(...loadProblems(load, raw.phases));
  // Ramps end with their stages, traces with their last line.
  if (load.model !== 'ramping' && load.model !== 'trace' && load.durationS === undefined && load.requests === undefined) {
    problems.push('load needs durationS or requests (how long to run)');
  }
  const chars = raw.workload.textChars as Raw | undefined;
  if (chars && chars.min > chars.max) problems.push(`workload.textChars.min (${chars.min}) must be <= max (${chars.max})`);
  if (raw.target?.url && raw.target?.mock) problems.push('target has both url and mock: choose one');
  // The embedded mock refuses answers it cannot build (413): say so now rather than after the run.
  const perRequest = raw.workload?.inputsPerRequest ?? 16;
  const dim = raw.target?.mock?.embeddingDim ?? 32;
  if (!raw.target?.url && ['embed', 'classify', 'rerank'].includes(raw.workload?.kind)) {
    if (perRequest > MAX_INPUTS) problems.push(`workload.inputsPerRequest is ${perRequest}; the embedded mock takes at most ${MAX_INPUTS} inputs in one request`);
    else if (raw.workload?.kind === 'embed' && perRequest * dim > MAX_ANSWER_VALUES) {
      problems.push(`workload.inputsPerRequest × target.mock.embeddingDim is ${perRequest} × ${dim} = ${perRequest * dim}; the embedded mock answers at most ${MAX_ANSWER_VALUES} numbers`);
    }
  }
  const urlProblem = raw.target?.url === undefined ? null : targetUrlProblem('target.url', raw.target.url);
  if (urlProblem) problems.push(urlProblem);
  const headerProblem = raw.target?.headers === undefined ? null : headersProblem('target.headers', raw.target.headers);
  if (headerProblem) problems.push(headerProblem);
  if ((raw.phases ?? []).some((p: Raw) => p.faults !== undefined) && raw.target?.url) {
    problems.push('phases[].faults only apply to the embedded mock, but target.url is set');
  }
  const names = (raw.profiles as Raw[]).map((p) => p.name);
  names.forEach((n, i) => {
    if (names.indexOf(n) !== i) problems.push(`profiles[${i}].name "${n}" is used twice`);
  });
}

/** An SLO from a scenario: each value a duration ("500ms", "10s") or a number of ms. */
function resolveSlo(raw: Raw | undefined, path: string, problems: string[]): Slo | null {
  if (raw === undefined) return null;
  const before = problems.length;
  const out: Slo = {};
  for (const [key, field] of [['ttft', 'ttftMs'], ['itl', 'itlMs'], ['e2e', 'e2eMs']] as const) {
    const v = raw[key] as unknown;
    if (v === undefined) continue;
    const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)\s*(ms|s)$/.exec(v.trim()) : null;
    const ms = typeof v === 'number' ? v : m ? Number(m[1]) * (m[2] === 's' ? 1000 : 1) : NaN;
    if (!(ms > 0)) problems.push(`${path}.${key} must be a duration such as 500ms or 10s, got ${JSON.stringify(v)}`);
    else out[field] = ms;
  }
  if (Object.keys(out).length === 0 && problems.length === before) problems.push(`${path} must set at least one of ttft, itl, e2e`);
  return out;
}

function resolveProfiles(list: Raw[], problems: string[], scenarioSlo: Slo | null): ResolvedProfile[] {
  const byName = new Map(list.map((p) => [p.name as string, p]));
  const flatten = (p: Raw, seen: string[]): Raw => {
    if (!p.extends) return p;
    if (seen.includes(p.extends)) {
      problems.push(`profile "${p.name}" extends itself through ${[...seen, p.extends].join(' -> ')}`);
      return p;
    }
    const parent = byName.get(p.extends);
    if (!parent) {
      problems.push(`profile "${p.name}" extends "${p.extends}", which is not a profile of this scenario`);
      return p;
    }
    const base = flatten(parent, [...seen, p.name]);
    return deepMerge(base, p);
  };
  return list.map((p, i) => {
    const flat = flatten(p, []);
    const { name, description, extends: _e, client, slo, ...configInput } = flat;
    const config = prefixed(problems, `profiles[${i}] (${name})`, () => resolveConfig(configInput as ClientConfigInput));
    const c = (client ?? {}) as Raw;
    for (const k of MOVED_TO_RETRY) {
      if (c[k] !== undefined) problems.push(`profiles[${i}] (${name}): client.${k} is now retry.${k} (the client config's retry settings, which its preset fills in)`);
    }
    return {
      name,
      ...(description ? { description } : {}),
      preset: typeof configInput.preset === 'string' ? configInput.preset : null,
      config: config as ClientConfig,
      client: {
        ...(c.timeoutS !== undefined ? { timeoutS: c.timeoutS } : {}),
        ...(c.hedgeDelayS !== undefined ? { hedgeDelayS: c.hedgeDelayS } : {}),
        hedgeBudgetPct: c.hedgeBudgetPct ?? PREFERENCE_DEFAULTS.hedgeBudgetPct,
        retryBudgetPct: c.retryBudgetPct ?? PREFERENCE_DEFAULTS.retryBudgetPct,
        budgetFloor: c.budgetFloor ?? DEFAULT_BUDGET_FLOOR,
      },
      slo: resolveSlo(slo as Raw | undefined, `profiles[${i}].slo`, problems) ?? scenarioSlo,
    };
  });
}

function deepMerge(base: Raw, over: Raw): Raw {
  const out: Raw = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && base[k] && typeof base[k] === 'object' ? deepMerge(base[k], v) : v;
  }
  out.extends = undefined;
  return out;
}

/** Read, parse and resolve a scenario file. */
export async function loadScenario(file: string): Promise<Scenario> {
  const { data, text } = await readInputFile('scenario', file, 'YAML or JSON', parseYaml, MAX_SCENARIO_BYTES);
  const scenario = resolveScenario(data, file, text);
  // A trace is checked with its scenario, before a mock starts or anything is sent (and kept for the run).
  if (scenario.load.model === 'trace') await loadTrace(scenario.load.file as string, scenario.workload.method);
  return scenario;
}

export function scenarioJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'tailgate scenario',
    ...toJsonSchema(SCENARIO_SPEC),
  };
}
