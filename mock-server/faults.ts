/**
 * The mock's fault configuration: what a file, the admin API or the CLI sets. Every field's range lives
 * in the tables below; validation lists every problem, naming the field (`rules[2].probability must be …`).
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { checkField, checkKnown, checkLatencyFields, isObject, LATENCY_DISTS, LATENCY_FIELDS, MS, num, show, type FieldSpec } from './field-check.js';
import { checkLlm, DEFAULT_LLM, resolveLlm, type LlmConfig } from './llm-config.js';
import type { LatencySpec } from './random.js';

export const RULE_KINDS = [
  'latency',
  'status',
  'rate_limit',
  'reset_on_reuse',
  'blackhole_on_reuse',
  'slow_headers',
  'slow_body',
  'stall_after_headers',
  'truncated_body',
  'malformed_json',
  'empty_response',
] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

interface RuleCommon {
  /** Exact path, or a prefix ending in `*`; absent = every path. */
  path?: string;
  /** Chance the rule fires on a matching request, 0..1 (default 1). */
  probability?: number;
}

export type FaultRule = RuleCommon &
  (
    | ({ kind: 'latency' } & LatencySpec)
    | { kind: 'status'; status: number; retryAfterS?: number }
    | { kind: 'rate_limit'; rate: number; burst: number; scope?: 'global' | 'client'; retryAfter?: 'seconds' | 'date' }
    | { kind: 'reset_on_reuse'; idleMs: number }
    | { kind: 'blackhole_on_reuse'; idleMs: number }
    | { kind: 'slow_headers'; ms: number }
    | { kind: 'slow_body'; chunks: number; ms: number }
    | { kind: 'stall_after_headers' }
    | { kind: 'truncated_body' }
    | { kind: 'malformed_json' }
    | { kind: 'empty_response' }
  );

export interface CapacityConfig {
  /** Open connections allowed at once; null = unlimited. */
  maxConnections: number | null;
  /** Beyond maxConnections: reset new connections, or stop accepting so the backlog fills (connect timeouts). */
  onExceed: 'reset' | 'backlog';
  /** Requests in flight at once; beyond it answer 503 with Retry-After; null = unlimited. */
  maxInFlight: number | null;
}

export interface FaultConfig {
  /** Seed for every random choice: the same seed and request order reproduce a run. */
  seed: number;
  /** Concurrent requests the server works on; more wait their turn, as on a saturated model server. null = unlimited. */
  workers: number | null;
  /** Close a keep-alive connection idle this long (FIN). */
  idleTimeoutMs: number;
  /** The `Keep-Alive: timeout=` hint: true = the truth, false = none, a number = that (wrong) value in seconds. */
  keepAliveHint: boolean | number;
  /** Close a connection after this many requests (Connection: close on the last); null = never. */
  maxRequestsPerConnection: number | null;
  capacity: CapacityConfig;
  /** Listener down (connection refused) for `forMs`, starting `atMs` after the faults were set. */
  down: { atMs: number; forMs: number }[];
  rules: FaultRule[];
  /** How the completion endpoints generate: time to first token, token pace, concurrent sequences (llm-config.ts). */
  llm: LlmConfig;
}

export const DEFAULT_FAULTS: FaultConfig = {
  seed: 1,
  workers: null,
  idleTimeoutMs: 60_000,
  keepAliveHint: true,
  maxRequestsPerConnection: null,
  capacity: { maxConnections: null, onExceed: 'reset', maxInFlight: null },
  down: [],
  rules: [],
  llm: DEFAULT_LLM,
};

/** Each rule kind's own fields (path and probability are common to all). */
export const RULE_FIELDS: Record<RuleKind, Record<string, FieldSpec>> = {
  latency: {}, // dist and its fields: checkLatencyFields
  status: { status: num(400, 599, true, true), retryAfterS: num(0, 86_400, false) },
  rate_limit: {
    rate: num(0.001, 1e6),
    burst: num(1, 1e6, true, true),
    scope: { type: 'enum', values: ['global', 'client'], required: false },
    retryAfter: { type: 'enum', values: ['seconds', 'date'], required: false },
  },
  reset_on_reuse: { idleMs: num(0, MS) },
  blackhole_on_reuse: { idleMs: num(0, MS) },
  slow_headers: { ms: num(0, MS) },
  slow_body: { chunks: num(1, 10_000, true, true), ms: num(0, MS) },
  stall_after_headers: {},
  truncated_body: {},
  malformed_json: {},
  empty_response: {},
};

function checkRule(where: string, raw: unknown, problems: string[]): void {
  if (!isObject(raw)) {
    problems.push(`${where} must be an object with a kind, got ${show(raw)}`);
    return;
  }
  const rule = raw;
  const kind = rule.kind as RuleKind;
  if (!RULE_KINDS.includes(kind)) {
    problems.push(`${where}.kind must be one of ${RULE_KINDS.join(', ')}, got ${show(rule.kind)}`);
    return;
  }
  const fields = RULE_FIELDS[kind];
  const dist = rule.dist as LatencySpec['dist'];
  const latencyNames = kind !== 'latency' ? [] : ['dist', ...(dist === 'hdr' ? ['histogram'] : LATENCY_DISTS.includes(dist) ? Object.keys(LATENCY_FIELDS[dist]) : [])];
  checkKnown(where, rule, ['kind', 'path', 'probability', ...Object.keys(fields), ...latencyNames], problems);
  if (kind === 'latency') checkLatencyFields(where, rule, problems);
  for (const [name, spec] of Object.entries(fields)) checkField(`${where}.${name}`, spec, rule[name], problems);
  checkField(`${where}.probability`, num(0, 1, false), rule.probability, problems);
  if (rule.path !== undefined && (typeof rule.path !== 'string' || !rule.path.startsWith('/'))) {
    problems.push(`${where}.path must be a path starting with / (a trailing * matches a prefix), got ${show(rule.path)}`);
  }
}

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
  const problems: string[] = [];
  if (input === undefined || input === null) return structuredClone(DEFAULT_FAULTS);
  if (typeof input !== 'object' || Array.isArray(input)) throw new FaultConfigError(source, [`the faults must be an object, got ${show(input)}`]);
  const given = input as Record<string, unknown>;
  checkKnown('', given, Object.keys(DEFAULT_FAULTS), problems);
  checkField('seed', num(0, 2 ** 32 - 1, false, true), given.seed, problems);
  if (given.workers !== null) checkField('workers', num(1, 100_000, false, true), given.workers, problems);
  checkField('idleTimeoutMs', num(1, 86_400_000, false, true), given.idleTimeoutMs, problems);
  if (given.maxRequestsPerConnection !== null) checkField('maxRequestsPerConnection', num(1, 1e9, false, true), given.maxRequestsPerConnection, problems);
  if (given.keepAliveHint !== undefined && typeof given.keepAliveHint !== 'boolean') {
    checkField('keepAliveHint', num(0, 86_400, true, true), given.keepAliveHint, problems);
  }
  const capacity = (given.capacity ?? {}) as Record<string, unknown>;
  if (typeof capacity !== 'object' || Array.isArray(capacity)) problems.push(`capacity must be an object, got ${show(capacity)}`);
  else {
    checkKnown('capacity', capacity, Object.keys(DEFAULT_FAULTS.capacity), problems);
    if (capacity.maxConnections !== null) checkField('capacity.maxConnections', num(1, 1e6, false, true), capacity.maxConnections, problems);
    if (capacity.maxInFlight !== null) checkField('capacity.maxInFlight', num(1, 1e6, false, true), capacity.maxInFlight, problems);
    checkField('capacity.onExceed', { type: 'enum', values: ['reset', 'backlog'], required: false }, capacity.onExceed, problems);
  }
  const down = given.down ?? [];
  if (!Array.isArray(down)) problems.push(`down must be a list of {atMs, forMs}, got ${show(down)}`);
  else {
    down.forEach((w: unknown, i) => {
      const win = (w ?? {}) as Record<string, unknown>;
      checkKnown(`down[${i}]`, win, ['atMs', 'forMs'], problems);
      checkField(`down[${i}].atMs`, num(0, 86_400_000), win.atMs, problems);
      checkField(`down[${i}].forMs`, num(1, 86_400_000), win.forMs, problems);
    });
  }
  const rules = given.rules ?? [];
  if (!Array.isArray(rules)) problems.push(`rules must be a list, got ${show(rules)}`);
  else rules.forEach((r: unknown, i) => checkRule(`rules[${i}]`, r, problems));
  checkLlm('llm', given.llm, problems);
  if (problems.length > 0) throw new FaultConfigError(source, problems);

  return {
    ...structuredClone(DEFAULT_FAULTS),
    ...(given as Partial<FaultConfig>),
    capacity: { ...DEFAULT_FAULTS.capacity, ...(capacity as Partial<CapacityConfig>) },
    down: down as FaultConfig['down'],
    rules: rules as FaultRule[],
    llm: resolveLlm(given.llm),
  };
}

/** Read a YAML or JSON fault file; errors name the file and the field. */
export async function loadFaultFile(path: string): Promise<FaultConfig> {
  return resolveFaults(await readFaultFile(path), path);
}

/** A fault file's content, parsed but not yet checked (a proxy resolves it over its own defaults). */
export async function readFaultFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new FaultConfigError(path, [`cannot read the file: ${(err as Error).message}`]);
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    throw new FaultConfigError(path, [`not valid YAML or JSON: ${(err as Error).message}`]);
  }
  return data;
}

/** Does a rule's path match the request path? */
export function pathMatches(rulePath: string | undefined, path: string): boolean {
  if (rulePath === undefined) return true;
  if (rulePath.endsWith('*')) return path.startsWith(rulePath.slice(0, -1));
  const q = path.indexOf('?');
  return (q === -1 ? path : path.slice(0, q)) === rulePath;
}
