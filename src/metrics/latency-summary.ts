/**
 * A timing summarized (ms): what every `…Ms` field of a report holds, or null when nothing was timed.
 * Declared once: histogram.ts makes it, the report contract carries it.
 */
import { Type, type Static } from '../util/schema.js';
import { COUNT } from './schema-parts.js';

/** The longest time a histogram keeps (an hour, in µs): every summary's values lie within it. */
export const HIGHEST_US = 3_600_000_000;

const MS = Type.Number({ minimum: 0, maximum: HIGHEST_US / 1000 });

export const LATENCY_SUMMARY = Type.Object({ count: COUNT, min: MS, mean: MS, p50: MS, p90: MS, p99: MS, p999: MS, max: MS });

export type LatencySummary = Static<typeof LATENCY_SUMMARY>;
