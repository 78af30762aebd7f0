/**
 * Resolving a fault configuration: checked against its one declaration (faults-schema.ts), then the
 * rules that join two fields, every problem named by its path in the kit's one wording
 * (`rules[2].probability must be a number in 0..1, got 2`); then its defaults filled in. Also reading a
 * faults file, bounded in size and nesting before it is parsed.
 */
import { readFile, stat } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { nestingDeeperThan } from '../src/util/nesting.js';
import { problem, problemsOf, withDefaults } from '../src/util/schema.js';
import { FAULTS_SCHEMA, type FaultConfig, type FaultsInput, type LatencySpec } from './faults-schema.js';
import { hdrBuckets } from './random.js';

export { RULE_KINDS, type CapacityConfig, type FaultConfig, type FaultRule, type RuleKind } from './faults-schema.js';

/** A fault config is kilobytes (a twin's recorded histograms included): a larger file or admin body is refused unread. */
export const MAX_FAULTS_BYTES = 1024 * 1024;
/** The declaration nests four deep (llm.ttft, rules[i]): anything far deeper is refused before it is parsed. */
export const MAX_FAULTS_NESTING = 16;
/** Problems listed at most: a hostile config of a million mistakes gets an answer of a few lines. */
const MAX_PROBLEMS = 50;

export const DEFAULT_FAULTS: FaultConfig = resolved({});

export class FaultConfigError extends Error {
  readonly code = 'invalid_input' as const;
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid faults (${source}):\n  - ${problems.join('\n  - ')}`);
    this.name = 'FaultConfigError';
  }
}

/** Validate a (partial) fault config and fill in defaults. Throws FaultConfigError listing every problem. */
export function resolveFaults(input: unknown, source = 'faults'): FaultConfig {
  if (input === undefined || input === null) return structuredClone(DEFAULT_FAULTS);
  const problems = faultProblems(input);
  if (problems.length > MAX_PROBLEMS) problems.splice(MAX_PROBLEMS, Infinity, `... and ${problems.length - MAX_PROBLEMS} more problems`);
  if (problems.length > 0) throw new FaultConfigError(source, problems);
  return resolved(input as FaultsInput);
}

/** Every problem of a fault config: its declaration's, then (when it has none) the rules joining fields. */
export function faultProblems(input: unknown): string[] {
  const problems = problemsOf(FAULTS_SCHEMA, input);
  if (problems.length > 0) return problems;
  const config = input as FaultsInput;
  config.rules?.forEach((rule, i) => {
    if (rule.kind === 'latency') latencyProblems(`rules[${i}]`, rule, problems);
  });
  for (const name of ['ttft', 'itl'] as const) {
    const spec = config.llm?.[name];
    if (spec) latencyProblems(`llm.${name}`, spec, problems);
  }
  return problems;
}

/** What a distribution's fields must say together: a range the right way round, a histogram that decodes. */
function latencyProblems(where: string, spec: LatencySpec, problems: string[]): void {
  if (spec.dist === 'uniform' && spec.maxMs < spec.minMs) problems.push(problem(`${where}.maxMs`, `must be >= minMs (${spec.minMs})`, spec.maxMs));
  if (spec.dist === 'lognormal' && spec.p99Ms < spec.medianMs) problems.push(problem(`${where}.p99Ms`, `must be >= medianMs (${spec.medianMs})`, spec.p99Ms));
  if (spec.dist === 'hdr') {
    try {
      hdrBuckets(spec.histogram);
    } catch (err) {
      problems.push(problem(`${where}.histogram`, `is not a usable HDR histogram: ${(err as Error).message}`));
    }
  }
}

/** A checked config with its defaults: a copy, the input untouched; `$schema` (for editors) dropped. */
function resolved(input: FaultsInput): FaultConfig {
  const config = withDefaults(FAULTS_SCHEMA, input);
  delete config.$schema;
  return config as FaultConfig;
}

/** Read a YAML or JSON fault file; errors name the file and the field. */
export async function loadFaultFile(path: string): Promise<FaultConfig> {
  return resolveFaults(await readFaultFile(path), path);
}

/** A fault file's content, parsed but not yet checked (a proxy resolves it over its own defaults). */
export async function readFaultFile(path: string): Promise<unknown> {
  let text: string;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new FaultConfigError(path, ['is not a regular file']);
    if (info.size > MAX_FAULTS_BYTES) throw new FaultConfigError(path, [`is ${info.size} bytes; a faults file may have at most ${MAX_FAULTS_BYTES}`]);
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof FaultConfigError) throw err;
    throw new FaultConfigError(path, [`cannot read the file: ${(err as Error).message}`]);
  }
  return parseFaultsText(text, path, 'YAML or JSON', parseYaml);
}

/**
 * Parse a fault config's text (a file's, the admin API's body). Nesting is bounded first: a parser fed
 * `[[[[…` a hundred thousand deep spends seconds, or all the memory there is, before it fails.
 */
export function parseFaultsText(text: string, source: string, format: string, parse: (text: string) => unknown): unknown {
  if (nestingDeeperThan(text, MAX_FAULTS_NESTING)) throw new FaultConfigError(source, [`the ${format} nests deeper than ${MAX_FAULTS_NESTING} levels; a fault config needs 4`]);
  try {
    return parse(text);
  } catch (err) {
    throw new FaultConfigError(source, [`not valid ${format}: ${(err as Error).message}`]);
  }
}

/** Does a rule's path match the request path? */
export function pathMatches(rulePath: string | undefined, path: string): boolean {
  if (rulePath === undefined) return true;
  if (rulePath.endsWith('*')) return path.startsWith(rulePath.slice(0, -1));
  const q = path.indexOf('?');
  return (q === -1 ? path : path.slice(0, q)) === rulePath;
}
