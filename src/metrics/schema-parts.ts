/**
 * The pieces every measured declaration is built of (metrics' own, and the report contract's that composes
 * them): a count, a duration, counts by name, "or null". One declaration each, so a count's range is
 * written once for every count a report carries.
 */
import { Type, type TSchema } from '../util/schema.js';

/** Counts and sums stay exact in a double up to here; anything above is not a count a run made. */
export const MAX_COUNT = Number.MAX_SAFE_INTEGER;

/** Something counted: a whole number, never negative. */
export const COUNT = Type.Integer({ minimum: 0, maximum: MAX_COUNT });
/** A length of time in ms (a run, a window, an idle gap): never negative. */
export const SPAN_MS = Type.Number({ minimum: 0, maximum: MAX_COUNT });
/** A rate per second, never negative. */
export const PER_SECOND = Type.Number({ minimum: 0, maximum: MAX_COUNT });

/** `schema`, or null: what could not be measured. */
export const orNull = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/**
 * Names a report keys counts by (statuses, error codes, close reasons): lower-case words and digits. The
 * names of Object.prototype's own members are refused (a count keyed `constructor` would be read back as
 * a function by code that indexes counts).
 */
export const COUNT_NAME = '^(?!constructor$)[a-z0-9][a-z0-9_-]{0,63}$';

/** Counts by name (`pattern` for the names), at most `max` of them. */
export const countsBy = (pattern: string, max: number, description?: string) =>
  Type.Record(Type.String({ pattern }), COUNT, { additionalProperties: false, maxProperties: max, ...(description ? { description } : {}) });

/** An object of counts, each named: `{ total, ok, failed }`. */
export const countGroup = <K extends string>(names: readonly K[]) => Type.Object(Object.fromEntries(names.map((n) => [n, COUNT])) as Record<K, typeof COUNT>);
