/** The schema kit's wording: every problem by path, in one voice, from the declaration alone. */
import { describe, expect, it } from 'vitest';
import { closeName, jsonSchema, parse, problemsOf, Type } from '../../src/util/schema.js';

const LOAD = Type.Union([
  Type.Object({ model: Type.Literal('closed'), users: Type.Integer({ minimum: 1 }), thinkTimeMs: Type.Optional(Type.Number({ minimum: 0, default: 0 })) }, { additionalProperties: false }),
  Type.Object({ model: Type.Literal('open'), rate: Type.Number({ exclusiveMinimum: 0 }), seed: Type.Optional(Type.Integer()) }, { additionalProperties: false }),
  Type.Object({ model: Type.Literal('ramping'), stages: Type.Array(Type.Number()), seed: Type.Optional(Type.Integer()) }, { additionalProperties: false }),
]);

describe('the schema kit', () => {
  it('suggests the field a typo meant, and lists the known ones when nothing is close', () => {
    const POOL = Type.Partial(Type.Object({ connections: Type.Integer(), maxIdle: Type.Integer(), keepAliveMs: Type.Integer() }), { additionalProperties: false });
    expect(problemsOf(POOL, { conections: 1 }, 'pool')).toEqual(['pool.conections is not a known field (did you mean connections?)']);
    expect(problemsOf(POOL, { maxIdel: 1 }, 'pool')).toEqual(['pool.maxIdel is not a known field (did you mean maxIdle?)']);
    expect(problemsOf(POOL, { KeepAliveMS: 1 }, 'pool')).toEqual(['pool.KeepAliveMS is not a known field (did you mean keepAliveMs?)']);
    expect(problemsOf(POOL, { size: 1 }, 'pool')).toEqual(['pool.size is not a known field (known: connections, maxIdle, keepAliveMs)']);
    expect(closeName('rate', ['users', 'model'])).toBeNull();
    // A field in the wrong group is named where it belongs, as the path a user would write.
    const CONFIG = Type.Partial(Type.Object({ preset: Type.String(), pool: POOL, timeouts: Type.Partial(Type.Object({ read: Type.Integer() }), { additionalProperties: false }) }), { additionalProperties: false });
    expect(problemsOf(Type.Array(CONFIG), [{ timeouts: { keepAliveMs: 5 } }, { pool: { preset: 'httpx', read: 1 } }], 'profiles')).toEqual([
      'profiles[0].timeouts.keepAliveMs is not a known field (did you mean profiles[0].pool.keepAliveMs?)',
      'profiles[1].pool.preset is not a known field (did you mean profiles[1].preset?)',
      'profiles[1].pool.read is not a known field (did you mean profiles[1].timeouts.read?)',
    ]);
  });

  it('checks a tagged union against the branch its tag names, and says which branch a field belongs to', () => {
    expect(problemsOf(LOAD, { model: 'closed' }, 'load')).toEqual(['load.users is required for model closed']);
    expect(problemsOf(LOAD, { model: 'closed', users: 2, seed: 3 }, 'load')).toEqual(['load.seed applies to model open or ramping, not closed']);
    expect(problemsOf(LOAD, { model: 'open', rate: 0 }, 'load')).toEqual(['load.rate must be a number > 0, got 0']);
    expect(problemsOf(LOAD, { model: 'opne', rate: 1 }, 'load')).toEqual(['load.model must be one of closed, open, ramping, got "opne"']);
    expect(parse(LOAD, { model: 'closed', users: 2 })).toEqual({ ok: true, value: { model: 'closed', users: 2, thinkTimeMs: 0 } });
  });

  it('tells apart branches sharing a tag by the next one (kind, then dist), and names each alternative once', () => {
    const closed = (p: Parameters<typeof Type.Object>[0]) => Type.Object(p, { additionalProperties: false });
    const RULE = Type.Union([
      closed({ kind: Type.Literal('latency'), dist: Type.Literal('fixed'), ms: Type.Number({ minimum: 0 }) }),
      closed({ kind: Type.Literal('latency'), dist: Type.Literal('uniform'), minMs: Type.Number(), maxMs: Type.Number() }),
      closed({ kind: Type.Literal('status'), status: Type.Integer({ minimum: 400, maximum: 599 }) }),
    ]);
    expect(problemsOf(RULE, { kind: 'latency', dist: 'fixed' }, 'rules[0]')).toEqual(['rules[0].ms is required for dist fixed']);
    expect(problemsOf(RULE, { kind: 'latency', dist: 'fixed', ms: 1, minMs: 0 }, 'rules[0]')).toEqual(['rules[0].minMs applies to dist uniform, not fixed']);
    expect(problemsOf(RULE, { kind: 'latency', dist: 'gamma' }, 'rules[0]')).toEqual(['rules[0].dist must be one of fixed, uniform, got "gamma"']);
    expect(problemsOf(RULE, { kind: 'slow' }, 'rules[0]')).toEqual(['rules[0].kind must be one of latency, status, got "slow"']);
    expect(problemsOf(RULE, { kind: 'status', status: 503, ms: 1 }, 'rules[0]')).toEqual(['rules[0].ms applies to kind latency, not status']);
    expect(problemsOf(RULE, 5, 'rules[0]')).toEqual(['rules[0] must be an object, got 5']);
  });

  it('looks a field up among the declared ones only: __proto__ and constructor are unknown fields', () => {
    const SMALL = Type.Object({ seed: Type.Optional(Type.Integer()) }, { additionalProperties: false });
    expect(problemsOf(SMALL, JSON.parse('{"__proto__":{"seed":"x"}}'))).toEqual(['__proto__ is not a known field (known: seed)']);
    expect(problemsOf(SMALL, { constructor: {} })).toEqual(['constructor is not a known field (known: seed)']);
  });

  it('an untagged union speaks through the branch of the value’s type, or names what each branch asks for', () => {
    const MS = Type.Union([Type.Integer({ minimum: 1, maximum: 1000 }), Type.Null()]);
    expect(problemsOf(MS, 0, 'timeouts.read')).toEqual(['timeouts.read must be an integer in 1..1000 or null, got 0']);
    expect(problemsOf(MS, 'fast', 'timeouts.read')).toEqual(['timeouts.read must be an integer in 1..1000 or null, got "fast"']);
    const PORTS = Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: '^\\d+-\\d+$', description: 'a range "20000-20999"' }), Type.Null()]);
    expect(problemsOf(PORTS, 'many', 'ports')).toEqual(['ports is not valid (a range "20000-20999"), got "many"']);
    expect(problemsOf(PORTS, true, 'ports')).toEqual(['ports must be an integer >= 1, a string or null, got true']);
  });

  it('never shows a writeOnly value back, and names a field that is no longer allowed', () => {
    const HEADERS = Type.Record(Type.String({ pattern: '^[A-Za-z-]+$' }), Type.String({ pattern: '^[^\\r\\n]*$', writeOnly: true, description: 'no line breaks' }));
    const problems = problemsOf(HEADERS, { Authorization: 'Bearer sk-secret\r\nx: y', 'bad name': 'v' }, 'headers');
    expect(problems).toEqual(['headers.Authorization is not valid (no line breaks)', 'headers.bad name: "bad name" is not a valid name here']);
    expect(problems.join()).not.toContain('sk-secret');
    const MOVED = Type.Object({ maxRetries: Type.Optional(Type.Never({ description: 'now retry.maxRetries' })) }, { additionalProperties: false });
    expect(problemsOf(MOVED, { maxRetries: 2 }, 'client')).toEqual(['client.maxRetries is not allowed (now retry.maxRetries)']);
  });

  it('a list or map past its limit is one problem: its members are not walked', () => {
    const ROWS = Type.Array(Type.Object({ t: Type.Number() }), { maxItems: 3 });
    expect(problemsOf(ROWS, new Array(100_000).fill({}), 'rows')).toEqual(['rows must have at most 3 item(s), got 100000']);
    const COUNTS = Type.Record(Type.String(), Type.Integer(), { maxProperties: 2 });
    expect(problemsOf(COUNTS, { a: 'x', b: 'y', c: 'z' }, 'counts')).toEqual(['counts must have at most 2 field(s), got 3']);
    // Within the limits, every member speaks.
    expect(problemsOf(ROWS, [{}, { t: 'x' }], 'rows')).toEqual(['rows[0].t is required', 'rows[1].t must be a number, got "x"']);
  });

  it('a declaration is its JSON Schema', () => {
    expect(jsonSchema(LOAD, { title: 'load' })).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema', title: 'load', anyOf: [{ properties: { model: { const: 'closed' } } }, {}, {}] });
  });
});
