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
 * against the branch its tag names (a field of another branch is named with it), an untagged one through
 * the branch of the value's type, a typo is answered with the field it most likely meant (or with where a
 * field in the wrong group belongs: `timeouts.keepAliveMs` → `pool.keepAliveMs`), a `writeOnly`
 * value (a header, a URL that may hold a password) is never shown back, and every message reads the same.
 */
import type { Static, TProperties, TSchema } from 'typebox';
import type { Validator } from 'typebox/compile';
// TypeBox bundled into one module (scripts/vendor-typebox.mjs): its ~700 files cost every process 0.5 s of CPU to load.
import { Compile, Type, Value } from '#typebox';

export { Type, type Static, type TProperties, type TSchema };

/** A TCP port to listen on (0: any free one): the mock's, its admin's, the coordinator's. */
export const PORT = Type.Integer({ minimum: 0, maximum: 65_535, description: 'a TCP port (0: any free one)' });

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
/**
 * A declared property's schema, own keys only: a `__proto__` or `constructor` key in the input must not
 * find Object.prototype's members and pass for a declared field.
 */
const propOf = (s: Json, key: string): unknown => (isObj(s.properties) && Object.hasOwn(s.properties, key) ? s.properties[key] : undefined);

/** A declaration's default and description (a command-line flag shows them as its own). */
export function annotationsOf(schema: TSchema): { default?: unknown; description?: string } {
  const s = schema as unknown as Json;
  return { default: s.default, ...(typeof s.description === 'string' ? { description: s.description } : {}) };
}

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
const constOf = (b: Json, key: string): unknown => {
  const p = propOf(b, key);
  return isObj(p) ? p.const : undefined;
};

/**
 * The property every branch of a union fixes to a constant, and that tells at least two branches apart
 * (its tag), if there is one. Branches sharing a tag value are told apart by the next such property (a
 * mock fault rule: `kind: latency`, then `dist`).
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

/** The object a value sits in (its schema and path): a misplaced field is looked for beside it. */
interface Parent {
  schema: Json;
  path: string;
}

function walk(s: Json, v: unknown, path: string, out: string[], parent?: Parent): void {
  if (Array.isArray(s.anyOf)) return union(s.anyOf as Json[], v, path, out, parent);
  // A value marked writeOnly (a header's value, a URL that may hold a password) is never shown back.
  const bad = (what: string) => out.push(s.writeOnly === true ? problem(path, what) : problem(path, what, v));
  if (isObj(s.not) && Object.keys(s.not).length === 0) return void out.push(problem(path, `is not allowed${typeof s.description === 'string' ? ` (${s.description})` : ''}`));
  if ('const' in s) {
    if (v !== s.const) bad(`must be ${shown(s.const)}`);
    return;
  }
  if (Array.isArray(s.enum)) {
    if (!s.enum.includes(v)) bad(`must be one of ${s.enum.join(', ')}`);
    return;
  }
  switch (s.type) {
    case 'string':
      if (typeof v !== 'string') bad('must be a string');
      else if (typeof s.minLength === 'number' && v.length < s.minLength) bad(s.minLength === 1 ? 'must not be empty' : `must have at least ${s.minLength} characters`);
      else if (typeof s.maxLength === 'number' && v.length > s.maxLength) out.push(`${path} must have at most ${s.maxLength} characters, got ${v.length}`);
      else if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(v)) bad(`is not valid${typeof s.description === 'string' ? ` (${s.description})` : ''}`);
      return;
    case 'number':
    case 'integer':
      if (typeof v !== 'number' || !numberOk(s, v)) bad(`must be ${numberRule(s)}`);
      return;
    case 'boolean':
      if (typeof v !== 'boolean') bad('must be true or false');
      return;
    case 'null':
      if (v !== null) bad('must be null');
      return;
    case 'array':
      return array(s, v, path, out, parent);
    case 'object':
      return object(s, v, path, out, parent);
  }
}

/** What a schema asks for, in the words of its problems: `an integer in 1..100 or null`, `one of a, b`. */
export function ruleOf(schema: TSchema | Json): string {
  const s = schema as Json;
  if (Array.isArray(s.anyOf)) return (s.anyOf as Json[]).map(ruleOf).join(' or ');
  if ('const' in s) return shown(s.const);
  if (Array.isArray(s.enum)) return `one of ${s.enum.join(', ')}`;
  if (s.type === 'number' || s.type === 'integer') return numberRule(s);
  return ({ string: 'a string', boolean: 'true or false', null: 'null', object: 'an object', array: 'a list' } as Record<string, string>)[s.type as string] ?? 'anything';
}

/** Whether a value is of the JSON type a branch asks for (its range or fields aside). */
function sameType(s: Json, v: unknown): boolean {
  if ('const' in s) return typeof s.const === typeof v;
  switch (s.type) {
    case 'number':
    case 'integer':
      return typeof v === 'number';
    case 'string':
    case 'boolean':
      return typeof v === s.type;
    case 'null':
      return v === null;
    case 'array':
      return Array.isArray(v);
    case 'object':
      return isObj(v);
    default:
      return true;
  }
}

function union(branches: Json[], v: unknown, path: string, out: string[], parent?: Parent): void {
  const values = constants(branches);
  if (values) {
    if (!values.includes(v)) out.push(problem(path, `must be one of ${values.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ')}`, v));
    return;
  }
  const tag = isObj(v) ? tagOf(branches) : null;
  if (tag && isObj(v)) {
    const tagValue = (b: Json) => constOf(b, tag);
    const matching = branches.filter((b) => tagValue(b) === v[tag]);
    const [branch] = matching;
    if (!branch) return void out.push(problem(join(path, tag), `must be one of ${[...new Set(branches.map(tagValue))].join(', ')}`, v[tag]));
    // Several branches share this tag's value: the next tag tells them apart.
    if (matching.length > 1) return union(matching, v, path, out, parent);
    // A field of another branch is named with the branches it belongs to.
    const elsewhere = (key: string) => [...new Set(branches.filter((b) => b !== branch && isObj(propOf(b, key))).map(tagValue))];
    return object(branch, v, path, out, parent, { tag, value: v[tag], elsewhere });
  }
  // No tag: the branches of the value's own type speak, the one with the fewest problems (null beside a
  // type reads as "or null"); when none is of its type, the problem names what each branch asks for.
  const typed = branches.filter((b) => sameType(b, v));
  const nullable = branches.some((b) => b.type === 'null');
  if (typed.length === 0) {
    const rules = [...new Set(branches.map(ruleOf))];
    const list = rules.length > 1 ? `${rules.slice(0, -1).join(', ')} or ${rules.at(-1)}` : (rules[0] ?? 'something else');
    return void out.push(problem(path, `must be ${list}`, v));
  }
  let best: string[] | null = null;
  for (const b of typed) {
    const mine: string[] = [];
    walk(b, v, path, mine, parent);
    if (mine.length === 0) return;
    if (best === null || mine.length < best.length) best = mine;
  }
  out.push(...(best ?? []).map((p) => (nullable && p.startsWith(`${path || 'the value'} must be`) ? p.replace(/ must be (.*?)(, got .*)?$/, ' must be $1 or null$2') : p)));
}

function array(s: Json, v: unknown, path: string, out: string[], parent?: Parent): void {
  if (!Array.isArray(v)) return void out.push(problem(path, 'must be a list', v));
  if (typeof s.minItems === 'number' && v.length < s.minItems) out.push(`${path} must have at least ${s.minItems} item(s), got ${v.length}`);
  // A list past its limit is refused as a whole: its items are not walked (a crafted million would cost gigabytes of problems).
  if (typeof s.maxItems === 'number' && v.length > s.maxItems) return void out.push(`${path} must have at most ${s.maxItems} item(s), got ${v.length}`);
  if (isObj(s.items)) v.forEach((item, i) => walk(s.items as Json, item, join(path, i), out, parent));
}

/** Edit distance with adjacent swaps (optimal string alignment): how far a typo is from a name. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((d[i - 1]![j] as number) + 1, (d[i]![j - 1] as number) + 1, (d[i - 1]![j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, (d[i - 2]![j - 2] as number) + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length] as number;
}

/** The known name a typo most likely meant: same letters in another case, or a slip of a letter or two. */
export function closeName(key: string, known: readonly string[]): string | null {
  const lower = key.toLowerCase();
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const name of known) {
    const d = name.toLowerCase() === lower ? 0 : distance(lower, name.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return bestDistance <= (key.length >= 5 ? 2 : 1) ? best : null;
}

/** An object that is one branch of a union tagged by `tag`: its problems say which branch they are of. */
interface Branch {
  tag: string;
  value: unknown;
  /** The other branches' tags that have this field. */
  elsewhere: (key: string) => unknown[];
}

function object(s: Json, v: unknown, path: string, out: string[], parent?: Parent, branch?: Branch): void {
  if (!isObj(v)) return void out.push(problem(path, 'must be an object', v));
  // As for lists: an object past its limit of fields is refused as a whole, its fields unwalked.
  if (typeof s.maxProperties === 'number') {
    const n = Object.keys(v).length;
    if (n > s.maxProperties) return void out.push(`${path || 'the value'} must have at most ${s.maxProperties} field(s), got ${n}`);
  }
  const props = (s.properties ?? {}) as Json;
  const of = branch ? ` for ${branch.tag} ${String(branch.value)}` : '';
  for (const key of (s.required ?? []) as string[]) if (v[key] === undefined) out.push(`${join(path, key)} is required${of}`);
  for (const [key, value] of Object.entries(v)) {
    const ps = propOf(s, key);
    if (isObj(ps)) {
      if (value !== undefined) walk(ps, value, join(path, key), out, { schema: s, path });
    } else if (isObj(s.patternProperties)) {
      const [pattern, valueSchema] = Object.entries(s.patternProperties)[0] as [string, Json];
      if (!new RegExp(pattern, 'u').test(key)) out.push(`${join(path, key)}: ${shown(key)} is not a valid name here`);
      else walk(valueSchema, value, join(path, key), out, { schema: s, path });
    } else if (isObj(s.additionalProperties)) {
      walk(s.additionalProperties, value, join(path, key), out, { schema: s, path });
    } else if (s.additionalProperties === false) {
      out.push(unknownField(join(path, key), key, Object.keys(props), parent, branch));
    }
  }
}

function unknownField(at: string, key: string, known: string[], parent?: Parent, branch?: Branch): string {
  const owners = branch?.elsewhere(key) ?? [];
  if (branch && owners.length > 0) return `${at} applies to ${branch.tag} ${owners.join(' or ')}, not ${String(branch.value)}`;
  const close = closeName(key, known) ?? misplaced(key, at, parent);
  if (close) return `${at} is not a known field (did you mean ${close}?)`;
  return `${at} is not a known field${known.length ? ` (known: ${known.join(', ')})` : ''}`;
}

/** Where a field of this name belongs beside the object it was found in (`timeouts.keepAliveMs` → `pool.keepAliveMs`). */
function misplaced(key: string, at: string, parent?: Parent): string | null {
  if (!parent) return null;
  const props = (parent.schema.properties ?? {}) as Json;
  if (isObj(propOf(parent.schema, key))) return join(parent.path, key);
  for (const [name, group] of Object.entries(props)) {
    const here = join(parent.path, name);
    if (isObj(group) && isObj(propOf(group, key)) && !at.startsWith(`${here}.`)) return join(here, key);
  }
  return null;
}

/** Each declaration compiled once, on first use: a valid value (the common case) then costs well under a microsecond. */
const compiled = new WeakMap<TSchema, Validator>();
function isValid(schema: TSchema, value: unknown): boolean {
  let validator = compiled.get(schema);
  if (!validator) compiled.set(schema, (validator = Compile(schema)));
  return validator.Check(value);
}

/** Every problem with `value` against `schema`, by path (`root` names the whole value), in one wording. */
export function problemsOf(schema: TSchema, value: unknown, root = ''): string[] {
  if (isValid(schema, value)) return [];
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

/**
 * The declaration as a standalone JSON Schema document (draft 2020-12), for editors and ajv. Each of `defs`
 * (a part the declaration holds more than once, such as the mock's faults in a scenario's target and in each
 * phase) is written once under $defs and referred to wherever it appears: one definition for an editor to
 * show, and a file a fraction of the size.
 */
export function jsonSchema(schema: TSchema, meta: { id?: string; title?: string; description?: string } = {}, defs: Record<string, TSchema> = {}): Json {
  const plain = (s: TSchema) => JSON.parse(JSON.stringify(s)) as Json;
  const names = new Map(Object.entries(defs).map(([name, def]) => [JSON.stringify(def), name]));
  const referred = (node: unknown, isDef = false): unknown => {
    if (Array.isArray(node)) return node.map((n) => referred(n));
    if (node === null || typeof node !== 'object') return node;
    const name = isDef ? undefined : names.get(JSON.stringify(node));
    if (name !== undefined) return { $ref: `#/$defs/${name}` };
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, referred(v)]));
  };
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    ...(meta.id ? { $id: meta.id } : {}),
    ...(meta.title ? { title: meta.title } : {}),
    ...(meta.description ? { description: meta.description } : {}),
    ...(referred(plain(schema)) as Json),
    ...(names.size ? { $defs: Object.fromEntries(Object.entries(defs).map(([name, def]) => [name, referred(plain(def), true)])) } : {}),
  };
}
