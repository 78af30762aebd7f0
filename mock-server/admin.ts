/**
 * The admin API under /__tailgate/: read and reset the stats, read and replace the faults. Its answers
 * are not the traffic under test, so they are never counted (and its connections are taken out of the
 * counts by the listener). It is served on the main port and on a listener of its own (admin-listener.ts),
 * which no fault closes or fills, so what the admin set the admin can always undo.
 *
 * Every input is bounded before it is buffered: a body over MAX_FAULTS_BYTES is refused (413) by its
 * Content-Length or as soon as it streams past it, its rest dropped unkept; a request whose body has not
 * ended within the admin deadline has its connection cut (a 413's too); a body nesting deeper than a
 * fault config can is refused before JSON.parse sees it.
 */
import { problem } from '../src/util/schema.js';
import { FaultConfigError, MAX_FAULTS_BYTES, parseFaultsText, type FaultConfig } from './faults.js';
import { readBody } from './request-body.js';
import { sendJson } from './responders.js';
import type { Conn, MockState, Req, Res } from './state.js';

const ADMIN_PREFIX = '/__tailgate/';
/** Where a fault config's problems say they came from. */
const SOURCE = 'POST /__tailgate/faults';

export function isAdminPath(path: string): boolean {
  return path.startsWith(ADMIN_PREFIX);
}

/** What the admin API can do besides reading the state: the MockServer's own operations. */
export interface AdminActions {
  setFaults(input: unknown): FaultConfig;
  reset(): void;
}

/** One admin request; with the admin API disabled, a 404 counted like traffic (its connection stays counted too). */
export function serveAdmin(state: MockState, actions: AdminActions, req: Req, res: Res, conn: Conn | undefined): void {
  if (!state.settings.adminEnabled) {
    // In the request's own protocol: HTTP/1.1 headers (Connection) on an h2c stream make node throw.
    sendJson(state, { req, res, conn, isH2: 'stream' in req }, 404, { error: { message: 'admin API disabled' } });
    return;
  }
  answerAdmin(state, actions, req, res);
}

/** Route one admin request; whatever goes wrong answers 500 and never takes the mock down. */
export function answerAdmin(state: MockState, actions: AdminActions, req: Req, res: Res): void {
  routeAdmin(state, actions, req, res).catch((err: unknown) => sendAdmin(req, res, 500, { error: { message: `the admin API failed: ${(err as Error).message}` } }));
}

type Answer = (status: number, json: unknown) => void;

/** Async because replacing the faults waits for the request body; the other routes answer at once. */
async function routeAdmin(state: MockState, actions: AdminActions, req: Req, res: Res): Promise<void> {
  const url = req.url ?? '/';
  const route = url.startsWith(ADMIN_PREFIX) ? url.slice(ADMIN_PREFIX.length).split('?')[0] : undefined;
  const method = req.method ?? 'GET';
  const answer: Answer = (status, json) => sendAdmin(req, res, status, json);
  if (route === 'stats') return statsRoute(state, actions, method, answer);
  if (route === 'faults') return faultsRoute(state, actions, req, method, answer);
  answer(404, { error: { message: `no admin route ${method} ${url.slice(0, 200)}` } });
}

function statsRoute(state: MockState, actions: AdminActions, method: string, answer: Answer): void {
  if (method === 'GET') return answer(200, state.stats);
  if (method === 'DELETE' || method === 'POST') {
    actions.reset();
    return answer(200, state.stats);
  }
  answer(404, { error: { message: `no admin route ${method} /__tailgate/stats` } });
}

async function faultsRoute(state: MockState, actions: AdminActions, req: Req, method: string, answer: Answer): Promise<void> {
  if (method === 'GET') return answer(200, state.faults.config);
  if (method === 'DELETE') return answer(200, actions.setFaults({}));
  if (method !== 'POST' && method !== 'PUT') return answer(404, { error: { message: `no admin route ${method} /__tailgate/faults` } });
  const body = await readAdminBody(req, state.settings.adminTimeoutMs);
  if (body === 'cut') return;
  if (body === 'too large') return answer(413, { error: { message: `the body is larger than ${MAX_FAULTS_BYTES} bytes, the most a fault config may be` } });
  try {
    const input = parseFaultsText(body.toString('utf8'), SOURCE, 'JSON', JSON.parse);
    // Faults left out are the defaults elsewhere (options, a scenario); a body must say what it sets (DELETE resets).
    if (input === null) throw new FaultConfigError(SOURCE, [problem('the faults', 'must be an object', input)]);
    return answer(200, actions.setFaults(input));
  } catch (err) {
    if (err instanceof FaultConfigError) return answer(400, { error: { message: 'invalid faults', problems: err.problems } });
    throw err;
  }
}

/**
 * The request's body, whole, within the size cap and the deadline: 'too large' as soon as it is known to
 * be (by Content-Length, before a byte is read), 'cut' when the peer was too slow or went away first.
 * A request that has not ended by the deadline is destroyed, a refused one too: its rest is dropped as it
 * comes (the 413 goes out at once; cutting the connection then would reset it before the peer reads it).
 */
function readAdminBody(req: Req, deadlineMs: number): Promise<Buffer | 'too large' | 'cut'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      resolve('cut');
      req.destroy();
    }, deadlineMs);
    // Settles once; the deadline stays until the request has ended or gone.
    req.once('close', () => {
      clearTimeout(timer);
      resolve('cut');
    });
    if (Number(req.headers['content-length']) > MAX_FAULTS_BYTES) {
      req.resume();
      return resolve('too large');
    }
    readBody(req, MAX_FAULTS_BYTES, resolve, () => resolve('too large'));
  });
}

/** Pretty-printed, kept alive, and not counted in the stats. */
function sendAdmin(req: Req, res: Res, status: number, json: unknown): void {
  if (res.writableEnded || res.destroyed) return;
  const isH2 = 'stream' in req;
  const payload = Buffer.from(JSON.stringify(json, null, 2));
  const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(payload.length) };
  if (!isH2) headers.connection = 'keep-alive';
  res.writeHead(status, headers);
  res.end(payload);
}
