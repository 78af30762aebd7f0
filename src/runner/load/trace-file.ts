/**
 * Reading a trace for the trace load model: JSONL, one request a line, `{"atMs": n, "path"?: "/…",
 * "body"?: any}`. The whole file is checked before anything is sent, and every problem is named as
 * file:line. Lines may come in any order (merged logs rarely are sorted); they are replayed by atMs.
 */
import { stat } from 'node:fs/promises';
import { InvalidInputError, type HttpMethod } from '../../engine/index.js';
import { readInputFile } from '../../report/contract/input-file.js';

/** A trace is read whole into memory: refuse larger files before reading them. */
export const MAX_TRACE_BYTES = 64 * 1024 * 1024;
/** Past this many, the rest of a bad file's problems are counted, not listed. */
const MAX_LISTED = 20;
const FIELDS = new Set(['atMs', 'path', 'body']);
/** What undici accepts in a path (it throws on anything else at send time; better to say so now). */
const PATH = /^\/[\u0021-\u00ff]*$/;
const BODYLESS: ReadonlySet<HttpMethod> = new Set(['GET', 'HEAD', 'OPTIONS', 'DELETE'] as HttpMethod[]);

export interface TraceLine {
  atMs: number;
  path?: string;
  /** The line's body as sent (JSON text). */
  body?: string;
}

export interface Trace {
  file: string;
  /** Ordered by atMs (stable: equal offsets keep the file's order). */
  lines: TraceLine[];
  atMs: Float64Array;
}

/** The last trace read, so every profile and repeat of a run replays the file read once. */
let cached: { key: string; trace: Trace } | null = null;

/**
 * Read and check a trace. `method` is the workload's: a line's body with a method that sends none is
 * refused rather than dropped.
 */
export async function loadTrace(file: string, method: HttpMethod, maxBytes = MAX_TRACE_BYTES): Promise<Trace> {
  // The key changes when the file does (size, mtime), so a long-lived process never replays a stale copy.
  const info = await stat(file).catch(() => null);
  const key = info ? `${file}\0${info.size}\0${info.mtimeMs}\0${method}\0${maxBytes}` : null;
  if (key !== null && cached?.key === key) return cached.trace;
  const { text } = await readInputFile('trace', file, 'JSONL', () => null, maxBytes);
  const trace = parseTrace(file, text, method);
  if (key !== null) cached = { key, trace };
  return trace;
}

export function parseTrace(file: string, text: string, method: HttpMethod): Trace {
  const problems: string[] = [];
  let unlisted = 0;
  const problem = (line: number, what: string) => {
    if (problems.length < MAX_LISTED) problems.push(`${file}:${line}: ${what}`);
    else unlisted++;
  };
  const lines: TraceLine[] = [];
  let sorted = true;
  const rows = text.split('\n');
  for (let n = 0; n < rows.length; n++) {
    const row = (rows[n] as string).trim();
    if (row === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(row);
    } catch (err) {
      problem(n + 1, `not valid JSON: ${(err as Error).message}`);
      continue;
    }
    const line = checkLine(value, method, (what) => problem(n + 1, what));
    if (!line) continue;
    if (lines.length > 0 && line.atMs < (lines[lines.length - 1] as TraceLine).atMs) sorted = false;
    lines.push(line);
  }
  if (unlisted > 0) problems.push(`… and ${unlisted} more problem(s)`);
  if (problems.length === 0 && lines.length === 0) problems.push(`${file}: has no lines: a trace needs at least one {"atMs": n} line`);
  if (problems.length > 0) throw new InvalidInputError('trace', problems);
  if (!sorted) lines.sort((a, b) => a.atMs - b.atMs);
  return { file, lines, atMs: Float64Array.from(lines, (l) => l.atMs) };
}

function checkLine(value: unknown, method: HttpMethod, problem: (what: string) => void): TraceLine | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    problem(`must be an object like {"atMs": 0}, got ${Array.isArray(value) ? 'a list' : shown(value)}`);
    return null;
  }
  const o = value as Record<string, unknown>;
  const found: string[] = [];
  for (const k of Object.keys(o)) if (!FIELDS.has(k)) found.push(`${shown(k)} is not a known field (a line has atMs, path, body)`);
  if (o.atMs === undefined) found.push('atMs is missing (the line’s offset from the start, in ms)');
  else if (typeof o.atMs !== 'number' || !Number.isFinite(o.atMs)) found.push(`atMs must be a number of milliseconds, got ${shown(o.atMs)}`);
  else if (o.atMs < 0) found.push(`atMs must be 0 or more, got ${o.atMs}`);
  if (o.path !== undefined && (typeof o.path !== 'string' || !PATH.test(o.path))) {
    found.push(`path must start with / and hold no spaces or control characters (percent-encode them), got ${shown(o.path)}`);
  }
  if (o.body !== undefined && BODYLESS.has(method)) found.push(`has a body, but the workload's method ${method} sends none (set workload.method)`);
  for (const what of found) problem(what);
  if (found.length > 0) return null;
  return {
    atMs: o.atMs as number,
    ...(o.path !== undefined ? { path: o.path as string } : {}),
    ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
  };
}

/** A bad value as quoted in a problem: short, whatever the line held. */
function shown(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
