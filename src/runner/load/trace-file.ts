/**
 * Reading a trace for the trace load model: JSONL, one request a line, `{"atMs": n, "path"?: "/…",
 * "body"?: any}`, declared once (TRACE_LINE). The whole file is checked before anything is sent, and
 * every problem is named as file:line. Lines may come in any order (merged logs rarely are sorted);
 * they are replayed by atMs.
 */
import { stat } from 'node:fs/promises';
import { InvalidInputError, type HttpMethod } from '../../engine/index.js';
import { readInputFile } from '../../report/contract/input-file.js';
import { problem, problemsOf, Type, type Static } from '../../util/schema.js';

/** A trace is read whole into memory: refuse larger files before reading them. */
export const MAX_TRACE_BYTES = 64 * 1024 * 1024;
/** Past this many, the rest of a bad file's problems are counted, not listed. */
const MAX_LISTED = 20;

/** One line of a trace. A path is what undici accepts (it throws on anything else at send time; better to say so now). */
export const TRACE_LINE = Type.Object(
  {
    atMs: Type.Number({ minimum: 0, description: 'the line’s offset from the start, in ms' }),
    path: Type.Optional(Type.String({ pattern: '^/[\\u0021-\\u00ff]*$', description: 'starts with / and holds no spaces or control characters: percent-encode them' })),
    body: Type.Optional(Type.Unknown({ description: 'the JSON body sent (the workload’s, when absent)' })),
  },
  { additionalProperties: false, description: 'one request of a trace: a line of JSONL' },
);
export type TraceLineInput = Static<typeof TRACE_LINE>;

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

function checkLine(value: unknown, method: HttpMethod, report: (what: string) => void): TraceLine | null {
  const found = problemsOf(TRACE_LINE, value);
  const line = value as TraceLineInput;
  if (found.length === 0 && line.body !== undefined && BODYLESS.has(method)) found.push(problem('body', `is set, but the workload's method ${method} sends none (set workload.method)`));
  for (const what of found) report(what);
  if (found.length > 0) return null;
  return {
    atMs: line.atMs,
    ...(line.path !== undefined ? { path: line.path } : {}),
    ...(line.body !== undefined ? { body: JSON.stringify(line.body) } : {}),
  };
}
