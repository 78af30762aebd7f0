/**
 * Checking one field of the fault config against its range, naming it by path. Shared by the fault
 * rules (faults.ts) and the LLM section (llm-config.ts); every check adds to a list of problems and
 * never throws, so a config's problems are all listed at once.
 */
import { hdrBuckets, type LatencySpec } from './random.js';

export type FieldSpec =
  | { type: 'number'; min: number; max: number; integer?: boolean; required?: boolean }
  | { type: 'enum'; values: readonly string[]; required?: boolean };

export const num = (min: number, max: number, required = true, integer = false): FieldSpec => ({ type: 'number', min, max, required, integer });

/** An hour: the longest time any field takes. */
export const MS = 3_600_000;

export function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : v === null || typeof v !== 'object' ? String(v) : Array.isArray(v) ? 'an array' : 'an object';
}

export function checkField(where: string, spec: FieldSpec, v: unknown, problems: string[]): void {
  if (v === undefined) {
    if (spec.required) problems.push(`${where} is required`);
    return;
  }
  if (spec.type === 'enum') {
    if (!spec.values.includes(v as string)) problems.push(`${where} must be one of ${spec.values.join(', ')}, got ${show(v)}`);
    return;
  }
  if (typeof v !== 'number' || !Number.isFinite(v) || v < spec.min || v > spec.max || (spec.integer && !Number.isInteger(v))) {
    problems.push(`${where} must be ${spec.integer ? 'an integer' : 'a number'} in ${spec.min}..${spec.max}, got ${show(v)}`);
  }
}

export function checkKnown(where: string, obj: Record<string, unknown>, allowed: string[], problems: string[]): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) problems.push(`${where ? `${where}.` : ''}${key} is not a known field (known: ${allowed.join(', ')})`);
  }
}

/** Is it a plain object (not null, not a list)? */
export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Each latency distribution's own fields. */
export const LATENCY_FIELDS: Record<LatencySpec['dist'], Record<string, FieldSpec>> = {
  fixed: { ms: num(0, MS) },
  uniform: { minMs: num(0, MS), maxMs: num(0, MS) },
  normal: { meanMs: num(0, MS), stddevMs: num(0, MS) },
  lognormal: { medianMs: num(0.001, MS), p99Ms: num(0.001, MS) },
  pareto: { minMs: num(0.001, MS), alpha: num(0.1, 100) },
  bimodal: { fastMs: num(0, MS), slowMs: num(0, MS), slowPct: num(0, 100) },
  // Its one field, `histogram`, is a string (checked in checkLatencyFields).
  hdr: {},
};

export const LATENCY_DISTS = Object.keys(LATENCY_FIELDS) as LatencySpec['dist'][];

/**
 * A latency spec's fields (`dist` and the distribution's own) inside `obj`, which may hold other fields
 * too (a latency rule's path and probability): returns the names it knows, for the unknown-field check.
 */
export function checkLatencyFields(where: string, obj: Record<string, unknown>, problems: string[]): string[] {
  const prefix = where ? `${where}.` : '';
  checkField(`${prefix}dist`, { type: 'enum', values: LATENCY_DISTS, required: true }, obj.dist, problems);
  const dist = obj.dist as LatencySpec['dist'];
  const fields = LATENCY_DISTS.includes(dist) ? LATENCY_FIELDS[dist] : {};
  for (const [name, spec] of Object.entries(fields)) checkField(`${prefix}${name}`, spec, obj[name], problems);
  if (dist === 'lognormal' && typeof obj.p99Ms === 'number' && typeof obj.medianMs === 'number' && obj.p99Ms < obj.medianMs) {
    problems.push(`${prefix}p99Ms must be >= medianMs`);
  }
  if (dist === 'uniform' && typeof obj.maxMs === 'number' && typeof obj.minMs === 'number' && obj.maxMs < obj.minMs) {
    problems.push(`${prefix}maxMs must be >= minMs`);
  }
  if (dist === 'hdr') {
    if (typeof obj.histogram !== 'string') problems.push(`${prefix}histogram is required: a base64 compressed HDR histogram (µs), as a twin file or a report's histograms carry`);
    else {
      try {
        hdrBuckets(obj.histogram);
      } catch (err) {
        problems.push(`${prefix}histogram is not a usable HDR histogram: ${(err as Error).message}`);
      }
    }
    return ['dist', 'histogram'];
  }
  return ['dist', ...Object.keys(fields)];
}

/** A latency spec on its own (an object with nothing else in it). */
export function checkLatencySpec(where: string, v: unknown, problems: string[]): void {
  if (!isObject(v)) {
    problems.push(`${where} must be a latency spec like {dist: fixed, ms: 20}, got ${show(v)}`);
    return;
  }
  checkKnown(where, v, checkLatencyFields(where, v, problems), problems);
}
