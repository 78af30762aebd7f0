/**
 * The one schema kit. Every contract (client options, call preference, scenario, mock faults, trace lines,
 * the coordinator's messages, the report) is declared once with TypeBox, whose declarations *are* JSON
 * Schema: from one declaration come the TypeScript type (`Static`), the JSON Schema editors and ajv read
 * (`jsonSchema`), defaults, and validation with every problem named by its path in one wording
 * (`problemsOf`: `load.rate must be a number in 0.001..1000000, got 0`). Cross-field rules stay code, run
 * after the schema, and word their problems the same way (`problem`).
 *
 * Why TypeBox: its output is standard JSON Schema with no translation step to drift (Zod 4 converts), it has
 * no dependencies, and its types follow the declaration exactly. Its own error iterator reports every
 * branch of a union; this module walks the schema itself so a tagged union (`load.model`) is checked
 * against the branch its tag names, and every message reads the same.
 */
import Type, { type Static, type TProperties, type TSchema } from 'typebox';
import Value from 'typebox/value';

export { Type, type Static, type TProperties, type TSchema };

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A value as a problem shows it: strings quoted, objects and lists named, long text cut. */
export function shown(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  if (v === undefined) return 'nothing';
  if (v === null || typeof v !== 'object') return String(v);
  return Array.isArray(v) ? 'a list' : 'an object';
}

/** One problem in the kit's wording, for the cross-field rules that stay code. */
export function problem(path: string, what: string, got?: unknown): string {
  return `${path || 'the value'} ${what}${arguments.length > 2 ? `, got ${shown(got)}` : ''}`;
}

const join = (path: string, key: string | number) => (typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key);

/** What a number must be, in words: `an integer in 1..100`, `a number > 0`. */
function numberRule(s: Json): string {
  const kind = s.type === 'integer' ? 'an integer' : 'a number';
  const lo = s.minimum as number | undefined;
  const hi = s.maximum as number | undefined;
  const xlo = s.exclusiveMinimum as number | undefined;
  const xhi = s.exclusiveMaximum as number | undefined;
  if (lo !== undefined && hi !== undefined) return `${kind} in ${lo}..${hi}`;
  const parts = [xlo !== undefined ? `> ${xlo}` : lo !== undefined ? `>= ${lo}` : null, xhi !== undefined ? `< ${xhi}` : hi !== undefined ? `<= ${hi}` : null].filter(Boolean);
  return parts.length ? `${kind} ${parts.join(' and ')}` : kind;
}

function numberOk(s: Json, v: number): boolean {
  if (!Number.isFinite(v) || (s.type === 'integer' && !Number.isInteger(v))) return false;
  if (typeof s.minimum === 'number' && v < s.minimum) return false;
  if (typeof s.maximum === 'number' && v > s.maximum) return false;
  if (typeof s.exclusiveMinimum === 'number' && v <= s.exclusiveMinimum) return false;
  if (typeof s.exclusiveMaximum === 'number' && v >= s.exclusiveMaximum) return false;
  return true;
}

/** The constant a branch fixes `key` to (undefined when it fixes none). */
const constOf = (b: Json, key: string): unknown => (isObj(b.properties) && isObj(b.properties[key]) ? (b.properties[key] as Json).const : undefined);

/**
 * The property every branch of a union fixes to a constant, and that tells at least two branches apart
 * (its tag), if there is one. Branches sharing a tag value are told apart by the next such property
 * (a latency rule: `kind: latency`, then `dist`).
 */
function tagOf(branches: Json[]): string | null {
  const [first] = branches;
  if (!first || !isObj(first.properties)) return null;
  for (const key of Object.keys(first.properties)) {
    const values = branches.map((b) => constOf(b, key));
    if (values.every((x) => x !== undefined) && new Set(values).size > 1) return key;
  }
  return null;
}

/** Every branch's constant (literal unions read as enums). */
const constants = (branches: Json[]) => (branches.every((b) => 'const' in b) ? branches.map((b) => b.const) : null);

function walk(s: Json, v: unknown, path: string, out: string[]): void {
  if (Array.isArray(s.anyOf)) return union(s.anyOf as Json[], v, path, out);
  if ('const' in s) {
    if (v !== s.const) out.push(problem(path, `must be ${shown(s.const)}`, v));
    return;
  }
  if (Array.isArray(s.enum)) {
    if (!s.enum.includes(v)) out.push(problem(path, `must be one of ${s.enum.join(', ')}`, v));
    return;
  }
  switch (s.type) {
    case 'string':
      if (typeof v !== 'string') out.push(problem(path, 'must be a string', v));
      else if (typeof s.minLength === 'number' && v.length < s.minLength) out.push(problem(path, s.minLength === 1 ? 'must not be empty' : `must have at least ${s.minLength} characters`, v));
      else if (typeof s.maxLength === 'number' && v.length > s.maxLength) out.push(`${path} must have at most ${s.maxLength} characters, got ${v.length}`);
      else if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(v)) out.push(problem(path, `is not valid${typeof s.description === 'string' ? ` (${s.description})` : ''}`, v));
      return;
    case 'number':
    case 'integer':
      if (typeof v !== 'number' || !numberOk(s, v)) out.push(problem(path, `must be ${numberRule(s)}`, v));
      return;
    case 'boolean':
      if (typeof v !== 'boolean') out.push(problem(path, 'must be true or false', v));
      return;
    case 'null':
      if (v !== null) out.push(problem(path, 'must be null', v));
      return;
    case 'array':
      return array(s, v, path, out);
    case 'object':
      return object(s, v, path, out);
  }
}

function union(branches: Json[], v: unknown, path: string, out: string[]): void {
  const values = constants(branches);
  if (values) {
    if (!values.includes(v)) out.push(problem(path, `must be one of ${values.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ')}`, v));
    return;
  }
  const others = branches.filter((b) => b.type !== 'null');
  if (others.length === branches.length) return alternatives(branches, v, path, out);
  // Nullable: a value that is not null answers to the other branches, and "or null" is said where it fits.
  if (v === null) return;
  const mine: string[] = [];
  alternatives(others, v, path, mine);
  out.push(...mine.map((p) => (p.startsWith(`${path || 'the value'} must be `) ? p.replace(/ must be (.*?)(, got .*)?$/, ' must be $1 or null$2') : p)));
}

function alternatives(branches: Json[], v: unknown, path: string, out: string[]): void {
  if (branches.length === 1) return walk(branches[0] as Json, v, path, out);
  const tag = isObj(v) ? tagOf(branches) : null;
  if (tag && isObj(v)) {
    const matching = branches.filter((b) => constOf(b, tag) === v[tag]);
    if (matching.length === 0) return void out.push(problem(join(path, tag), `must be one of ${[...new Set(branches.map((b) => constOf(b, tag)))].join(', ')}`, v[tag]));
    return alternatives(matching, v, path, out);
  }
  // No tag: the branch with the fewest problems speaks; when every branch refuses the value itself, all
  // it may be are named at once (`must be true or false or an integer in 0..86400`).
  const label = `${path || 'the value'} must be `;
  const each: string[][] = [];
  for (const b of branches) {
    const mine: string[] = [];
    walk(b, v, path, mine);
    if (mine.length === 0) return;
    each.push(mine);
  }
  if (each.every((p) => p.length === 1 && (p[0] as string).startsWith(label))) {
    const rules = each.map((p) => (p[0] as string).slice(label.length).replace(/, got .*$/, ''));
    return void out.push(problem(path, `must be ${[...new Set(rules)].join(' or ')}`, v));
  }
  out.push(...each.reduce((best, p) => (p.length < best.length ? p : best)));
}

function array(s: Json, v: unknown, path: string, out: string[]): void {
  if (!Array.isArray(v)) return void out.push(problem(path, 'must be a list', v));
  if (typeof s.minItems === 'number' && v.length < s.minItems) out.push(`${path} must have at least ${s.minItems} item(s), got ${v.length}`);
  if (typeof s.maxItems === 'number' && v.length > s.maxItems) out.push(`${path} must have at most ${s.maxItems} item(s), got ${v.length}`);
  if (isObj(s.items)) v.forEach((item, i) => walk(s.items as Json, item, join(path, i), out));
}

function object(s: Json, v: unknown, path: string, out: string[]): void {
  if (!isObj(v)) return void out.push(problem(path, 'must be an object', v));
  const props = (s.properties ?? {}) as Json;
  for (const key of (s.required ?? []) as string[]) if (v[key] === undefined) out.push(`${join(path, key)} is required`);
  for (const [key, value] of Object.entries(v)) {
    // Own keys only: `__proto__` or `constructor` in the input must not find Object.prototype's members.
    const ps = Object.hasOwn(props, key) ? props[key] : undefined;
    if (isObj(ps)) {
      if (value !== undefined) walk(ps, value, join(path, key), out);
    } else if (isObj(s.patternProperties)) {
      const [pattern, valueSchema] = Object.entries(s.patternProperties)[0] as [string, Json];
      if (!new RegExp(pattern, 'u').test(key)) out.push(`${join(path, key)}: ${shown(key)} is not a valid name here`);
      else walk(valueSchema, value, join(path, key), out);
    } else if (isObj(s.additionalProperties)) {
      walk(s.additionalProperties, value, join(path, key), out);
    } else if (s.additionalProperties === false) {
      const known = Object.keys(props);
      out.push(`${join(path, key)} is not a known field${known.length ? ` (known: ${known.join(', ')})` : ''}`);
    }
  }
}

/** Every problem with `value` against `schema`, by path (`root` names the whole value), in one wording. */
export function problemsOf(schema: TSchema, value: unknown, root = ''): string[] {
  if (Value.Check(schema, value)) return [];
  const out: string[] = [];
  walk(schema as unknown as Json, value, root, out);
  // The walk covers the keywords the project's declarations use; a problem it cannot word is still one.
  return out.length ? out : [`${root || 'the value'} does not match its schema`];
}

/** `value` with the declaration's defaults filled in (a copy: the input is left as it was). */
export function withDefaults<T extends TSchema>(schema: T, value: unknown): Static<T> {
  return Value.Default(schema, Value.Clone(value)) as Static<T>;
}

/** Validate, then fill defaults: the parsed value, or every problem. */
export function parse<T extends TSchema>(schema: T, value: unknown, root = ''): { ok: true; value: Static<T> } | { ok: false; problems: string[] } {
  const problems = problemsOf(schema, value, root);
  return problems.length ? { ok: false, problems } : { ok: true, value: withDefaults(schema, value) };
}

/** The declaration as a standalone JSON Schema document (draft 2020-12), for editors and ajv. */
export function jsonSchema(schema: TSchema, meta: { id?: string; title?: string; description?: string } = {}): Json {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    ...(meta.id ? { $id: meta.id } : {}),
    ...(meta.title ? { title: meta.title } : {}),
    ...(meta.description ? { description: meta.description } : {}),
    ...(JSON.parse(JSON.stringify(schema)) as Json),
  };
}
