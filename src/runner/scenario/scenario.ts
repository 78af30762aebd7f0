/**
 * Scenario files (YAML or JSON): target, workload, load, phases, warm-up, profiles, gate. Validated in
 * full before anything is sent; every problem names the file, the path and what is wrong.
 */
import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { FAULTS_SCHEMA, faultHeaderProblems, MAX_ANSWER_VALUES, MAX_INPUTS, resolveFaults, type FaultConfig } from '../../../mock-server/index.js';
import { DEFAULT_BUDGET_FLOOR, InvalidInputError, PREFERENCE_DEFAULTS, resolveConfig, targetUrlProblem, type ClientConfig, type ClientConfigInput } from '../../engine/index.js';
import { parseGateExpressions, type Slo, type ThresholdInput } from '../../metrics/index.js';
import { readInputFile } from '../../report/contract/input-file.js';
import { jsonSchema, problem, problemsOf, withDefaults, type Static } from '../../util/schema.js';
import { loadTrace } from '../load/trace-file.js';
import { loadProblems, resolveLoad } from './scenario-load.js';
import {
  DEFAULT_PATHS,
  GATE,
  LOAD,
  LOAD_DEFAULTS,
  MAX_SCENARIO_BYTES,
  MOCK_TARGET,
  SCENARIO,
  WORKLOAD,
  type ProfileInput,
  type ResolvedProfile,
  type Scenario,
  type ScenarioInput,
} from './scenario-spec.js';

export { LOAD_MODELS, MAX_RATE, RATE, SCENARIO, WORKLOAD_KINDS, type ClientPolicy, type LoadModel, type ResolvedProfile, type Scenario, type WorkloadKind } from './scenario-spec.js';

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Check a parsed scenario (its declaration, then the rules between fields) and resolve profiles (extends, presets) and defaults. */
export function resolveScenario(input: unknown, file: string | null = null, text?: string): Scenario {
  const problems = problemsOf(SCENARIO, input);
  // Gate expressions are checked whatever else is wrong: every problem is listed at once.
  if (isObject(input) && problemsOf(GATE, input.gate ?? {}).length === 0) checkGate(input.gate as ScenarioInput['gate'], problems);
  if (problems.length > 0) throw new InvalidInputError(file ? `scenario ${file}` : 'scenario', problems);
  const raw = input as ScenarioInput;
  // Filled from the declaration's defaults (inputsPerRequest, textChars, maxTokens; the mock's sizes).
  const w = withDefaults(WORKLOAD, raw.workload) as Static<typeof WORKLOAD> & { inputsPerRequest: number; textChars: { min: number; max: number }; maxTokens: number };
  const { faults: _checkedBelow, ...mock } = withDefaults(MOCK_TARGET, raw.target?.mock ?? {}) as Required<Static<typeof MOCK_TARGET>>;
  crossCheck(raw, w.inputsPerRequest, mock.embeddingDim, problems);
  const scenarioSlo = problems.length === 0 ? resolveSlo(raw.slo, 'slo', problems) : null;
  const profiles = problems.length === 0 ? resolveProfiles(raw.profiles, problems, scenarioSlo) : [];
  let faults: FaultConfig | null = null;
  let phases: Scenario['phases'] = [];
  if (problems.length === 0) {
    faults = prefixed(problems, 'target.mock.faults', () => resolveFaults(raw.target?.mock?.faults ?? {}, 'target.mock.faults'));
    phases = (raw.phases ?? []).map((p, i) => ({
      ...p,
      faults: p.faults === undefined ? undefined : (prefixed(problems, `phases[${i}].faults`, () => resolveFaults(p.faults, 'phase')) ?? undefined),
    }));
  }
  if (problems.length > 0) throw new InvalidInputError(file ? `scenario ${file}` : 'scenario', problems);
  const hash = createHash('sha256').update(text ?? JSON.stringify(input)).digest('hex').slice(0, 16);
  return {
    name: raw.name,
    description: raw.description,
    file,
    hash,
    target: { url: raw.target?.url ?? null, headers: raw.target?.headers ?? {}, mock: { faults: faults as FaultConfig, ...mock } },
    workload: {
      kind: w.kind,
      path: w.path ?? DEFAULT_PATHS[w.kind],
      method: w.method ?? (w.kind === 'request' && w.body === undefined ? 'GET' : 'POST'),
      model: w.model,
      inputsPerRequest: w.inputsPerRequest,
      textChars: w.textChars,
      maxTokens: w.maxTokens,
      body: w.body,
    },
    load: resolveLoad({ ...LOAD_DEFAULTS, ...withDefaults(LOAD, raw.load) }, file),
    warmup: raw.warmup ?? null,
    phases,
    profiles,
    gate: { thresholds: (raw.gate?.thresholds ?? []) as ThresholdInput[], maxRegression: raw.gate?.maxRegression ?? [] },
    slo: scenarioSlo,
    metricDefinitions: raw.metricDefinitions ?? 'tailgate',
  };
}

/** Gate expressions are checked with the scenario: a typo fails before the first request, not after the run. */
function checkGate(gate: ScenarioInput['gate'], problems: string[]): void {
  prefixed(problems, 'gate', () => parseGateExpressions((gate?.thresholds ?? []) as ThresholdInput[], gate?.maxRegression ?? []));
}

/** Problems from another part's validation, each after `prefix` (a path ending in `.`, or a name: `gate: `). */
function prefixed<T>(problems: string[], prefix: string, fn: () => T): T | null {
  try {
    return fn();
  } catch (err) {
    const list = (err as { problems?: string[] }).problems ?? [(err as Error).message];
    for (const p of list) problems.push(prefix.endsWith('.') ? `${prefix}${p}` : `${prefix}: ${p}`);
    return null;
  }
}

/** The rules between fields, after the declaration has passed. */
function crossCheck(raw: ScenarioInput, perRequest: number, dim: number, problems: string[]): void {
  problems.push(...loadProblems(raw.load, raw.phases));
  const chars = raw.workload.textChars;
  if (chars?.min !== undefined && chars.max !== undefined && chars.min > chars.max) problems.push(problem('workload.textChars.min', `must be <= max (${chars.max})`, chars.min));
  if (raw.target?.url && raw.target?.mock) problems.push(problem('target', 'has both url and mock: choose one'));
  // The embedded mock refuses answers it cannot build (413): say so now rather than after the run.
  const { kind } = raw.workload;
  if (!raw.target?.url && (kind === 'embed' || kind === 'classify' || kind === 'rerank')) {
    if (perRequest > MAX_INPUTS) problems.push(problem('workload.inputsPerRequest', `is ${perRequest}; the embedded mock takes at most ${MAX_INPUTS} inputs in one request`));
    else if (kind === 'embed' && perRequest * dim > MAX_ANSWER_VALUES) {
      problems.push(problem('workload.inputsPerRequest × target.mock.embeddingDim', `is ${perRequest} × ${dim} = ${perRequest * dim}; the embedded mock answers at most ${MAX_ANSWER_VALUES} numbers`));
    }
  }
  const urlProblem = raw.target?.url === undefined ? null : targetUrlProblem('target.url', raw.target.url);
  if (urlProblem) problems.push(urlProblem);
  if ((raw.phases ?? []).some((p) => p.faults !== undefined) && raw.target?.url) {
    problems.push(problem('phases[].faults', 'only apply to the embedded mock, but target.url is set'));
  }
  // A fault header the mock would refuse (400) would fail every request: named now, nothing sent.
  const headerProblems = (path: string, headers: Readonly<Record<string, string>> | undefined) => {
    if (headers) for (const p of faultHeaderProblems(headers)) problems.push(`${path}.${p}`);
  };
  headerProblems('target.headers', raw.target?.headers);
  raw.profiles.forEach((p, i) => headerProblems(`profiles[${i}].headers`, p.headers));
  const names = raw.profiles.map((p) => p.name);
  names.forEach((n, i) => {
    if (names.indexOf(n) !== i) problems.push(problem(`profiles[${i}].name`, 'is used twice', n));
  });
}

/** An SLO from a scenario: each value a duration ("500ms", "10s") or a number of ms (the declaration checked the form). */
function resolveSlo(raw: ScenarioInput['slo'], path: string, problems: string[]): Slo | null {
  if (raw === undefined) return null;
  const out: Slo = {};
  for (const [key, field] of [['ttft', 'ttftMs'], ['itl', 'itlMs'], ['e2e', 'e2eMs']] as const) {
    const v = raw[key];
    if (v === undefined) continue;
    const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)\s*(ms|s)$/.exec(v.trim()) : null;
    const ms = typeof v === 'number' ? v : m ? Number(m[1]) * (m[2] === 's' ? 1000 : 1) : NaN;
    if (!(ms > 0)) problems.push(problem(`${path}.${key}`, 'must be a duration such as 500ms or 10s', v));
    else out[field] = ms;
  }
  if (Object.keys(raw).length === 0) problems.push(problem(path, 'must set at least one of ttft, itl, e2e'));
  return out;
}

function resolveProfiles(list: ProfileInput[], problems: string[], scenarioSlo: Slo | null): ResolvedProfile[] {
  const index = new Map(list.map((p, i) => [p.name, i]));
  /** The profile with what it extends merged under it; `at` is where the chain began, for the problem. */
  const flatten = (p: ProfileInput, seen: string[], at: string): ProfileInput => {
    if (!p.extends) return p;
    const i = index.get(p.extends);
    const wrong = i === undefined ? problem(`${at}.extends`, 'must name another profile of this scenario', p.extends) : seen.includes(p.extends) ? problem(`${at}.extends`, `goes round in a circle: ${[...seen, p.extends].join(' -> ')}`) : null;
    if (wrong !== null || i === undefined) {
      if (wrong) problems.push(wrong);
      return p;
    }
    return deepMerge(flatten(list[i] as ProfileInput, [...seen, p.extends], at), p) as ProfileInput;
  };
  return list.map((p, i) => {
    const { name, description, extends: _e, client = {}, slo, ...configInput } = flatten(p, [p.name], `profiles[${i}]`);
    // What only the merged config can tell (a preset's read clock beside a body timeout), by the profile's path.
    const config = prefixed(problems, `profiles[${i}].`, () => resolveConfig(configInput as ClientConfigInput));
    return {
      name,
      ...(description ? { description } : {}),
      preset: configInput.preset ?? null,
      config: config as ClientConfig,
      client: {
        ...(client.timeoutS !== undefined ? { timeoutS: client.timeoutS } : {}),
        ...(client.hedgeDelayS !== undefined && client.hedgeDelayS !== null ? { hedgeDelayS: client.hedgeDelayS } : {}),
        hedgeBudgetPct: client.hedgeBudgetPct ?? PREFERENCE_DEFAULTS.hedgeBudgetPct,
        retryBudgetPct: client.retryBudgetPct ?? PREFERENCE_DEFAULTS.retryBudgetPct,
        budgetFloor: client.budgetFloor ?? DEFAULT_BUDGET_FLOOR,
      },
      slo: resolveSlo(slo, `profiles[${i}].slo`, problems) ?? scenarioSlo,
    };
  });
}

type Raw = Record<string, unknown>;
function deepMerge(base: Raw, over: Raw): Raw {
  const out: Raw = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = base[k];
    out[k] = isObject(v) && isObject(b) ? deepMerge(b, v) : v;
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

/** The scenario's JSON Schema (scenarios/scenario.schema.json, `tailgate schema`): editors validate files with it. */
export function scenarioJsonSchema(): Record<string, unknown> {
  return jsonSchema(SCENARIO, { title: 'tailgate scenario' }, { faults: FAULTS_SCHEMA });
}
