/**
 * A tiny schema language for scenario files: one declaration yields both validation (every problem,
 * named by path: `load.rate must be a number in 0.001..1000000, got 0`) and the JSON Schema that editors
 * use. Defaults live in the declaration too.
 */
export type Spec =
  | { type: 'number'; min: number; max: number; integer?: boolean; default?: number; doc?: string }
  | { type: 'string'; enum?: readonly string[]; pattern?: RegExp; default?: string; doc?: string }
  | { type: 'boolean'; default?: boolean; doc?: string }
  | { type: 'array'; items: Spec; minItems?: number; doc?: string }
  | { type: 'object'; fields: Record<string, Field>; doc?: string }
  | { type: 'record'; values: Spec; doc?: string }
  /** Validated elsewhere (client configs, mock faults): passed through as is. */
  | { type: 'any'; doc?: string };

export interface Field {
  spec: Spec;
  required?: boolean;
}

export const num = (min: number, max: number, extra: { integer?: boolean; default?: number; doc?: string } = {}): Spec => ({ type: 'number', min, max, ...extra });
export const str = (extra: { enum?: readonly string[]; pattern?: RegExp; default?: string; doc?: string } = {}): Spec => ({ type: 'string', ...extra });
export const req = (spec: Spec): Field => ({ spec, required: true });
export const opt = (spec: Spec): Field => ({ spec });

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || typeof v !== 'object') return String(v);
  return Array.isArray(v) ? 'a list' : 'an object';
}

/** Validate `value` against `spec`, pushing problems named by `path`; returns the value with defaults. */
export function check(spec: Spec, value: unknown, path: string, problems: string[]): unknown {
  const where = path || 'the scenario';
  switch (spec.type) {
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value) || value < spec.min || value > spec.max || (spec.integer && !Number.isInteger(value))) {
        problems.push(`${where} must be ${spec.integer ? 'an integer' : 'a number'} in ${spec.min}..${spec.max}, got ${show(value)}`);
      }
      return value;
    case 'string':
      if (typeof value !== 'string') problems.push(`${where} must be a string, got ${show(value)}`);
      else if (spec.enum && !spec.enum.includes(value)) problems.push(`${where} must be one of ${spec.enum.join(', ')}, got ${show(value)}`);
      else if (spec.pattern && !spec.pattern.test(value)) problems.push(`${where} is not valid: ${show(value)}`);
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') problems.push(`${where} must be true or false, got ${show(value)}`);
      return value;
    case 'any':
      return value;
    case 'array': {
      if (!Array.isArray(value)) {
        problems.push(`${where} must be a list, got ${show(value)}`);
        return value;
      }
      if (spec.minItems !== undefined && value.length < spec.minItems) problems.push(`${where} must have at least ${spec.minItems} item(s)`);
      return value.map((item, i) => check(spec.items, item, `${path}[${i}]`, problems));
    }
    case 'record': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        problems.push(`${where} must be an object, got ${show(value)}`);
        return value;
      }
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = check(spec.values, v, `${path}.${k}`, problems);
      return out;
    }
    case 'object': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        problems.push(`${where} must be an object, got ${show(value)}`);
        return value;
      }
      const given = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(given)) {
        if (!(key in spec.fields)) {
          const known = Object.keys(spec.fields);
          const close = known.find((k) => k.toLowerCase() === key.toLowerCase() || k.startsWith(key.slice(0, 4)));
          problems.push(`${path ? `${path}.` : ''}${key} is not a known field${close ? ` (did you mean ${close}?)` : ` (known: ${known.join(', ')})`}`);
        }
      }
      for (const [key, field] of Object.entries(spec.fields)) {
        const v = given[key];
        const at = path ? `${path}.${key}` : key;
        if (v === undefined) {
          if (field.required) problems.push(`${at} is required`);
          else if ('default' in field.spec && field.spec.default !== undefined) out[key] = field.spec.default;
          continue;
        }
        out[key] = check(field.spec, v, at, problems);
      }
      return out;
    }
  }
}

/** The same declaration as JSON Schema (draft 2020-12), for editors. */
export function toJsonSchema(spec: Spec): Record<string, unknown> {
  const doc = spec.doc ? { description: spec.doc } : {};
  switch (spec.type) {
    case 'number':
      return { type: spec.integer ? 'integer' : 'number', minimum: spec.min, maximum: spec.max, ...(spec.default !== undefined ? { default: spec.default } : {}), ...doc };
    case 'string':
      return { type: 'string', ...(spec.enum ? { enum: spec.enum } : {}), ...(spec.pattern ? { pattern: spec.pattern.source } : {}), ...(spec.default !== undefined ? { default: spec.default } : {}), ...doc };
    case 'boolean':
      return { type: 'boolean', ...doc };
    case 'any':
      return { ...doc };
    case 'array':
      return { type: 'array', items: toJsonSchema(spec.items), ...(spec.minItems ? { minItems: spec.minItems } : {}), ...doc };
    case 'record':
      return { type: 'object', additionalProperties: toJsonSchema(spec.values), ...doc };
    case 'object':
      return {
        type: 'object',
        additionalProperties: false,
        properties: Object.fromEntries(Object.entries(spec.fields).map(([k, f]) => [k, toJsonSchema(f.spec)])),
        required: Object.entries(spec.fields).filter(([, f]) => f.required).map(([k]) => k),
        ...doc,
      };
  }
}
