/**
 * The admin API under /__tailgate/: read and reset the stats, read and replace the faults. Its answers
 * are not the traffic under test, so they are never counted (and its connections are taken out of the
 * counts by the listener).
 */
import { FaultConfigError, type FaultConfig } from './faults.js';
import { EMPTY_BODY, readBody } from './request-body.js';
import { sendJson } from './responders.js';
import type { Conn, MockState, Req, Res } from './state.js';

const ADMIN_PREFIX = '/__tailgate/';

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
  void routeAdmin(state, actions, req, res);
}

type Answer = (status: number, json: unknown) => void;

/** Async because replacing the faults waits for the request body; the other routes answer at once. */
async function routeAdmin(state: MockState, actions: AdminActions, req: Req, res: Res): Promise<void> {
  const route = (req.url ?? '/').slice(ADMIN_PREFIX.length).split('?')[0];
  const method = req.method ?? 'GET';
  const answer: Answer = (status, json) => sendAdmin(res, status, json, 'stream' in req);
  if (route === 'stats') return statsRoute(state, actions, method, answer);
  if (route === 'faults') return faultsRoute(state, actions, req, method, answer);
  answer(404, { error: { message: `no admin route ${method} /__tailgate/${route}` } });
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
  // A body over the size limit reads as empty, and so as invalid JSON.
  const body = await new Promise<Buffer>((resolve) => readBody(req, state.settings.maxBodyBytes, resolve, () => resolve(EMPTY_BODY)));
  let input: unknown;
  try {
    input = JSON.parse(body.toString('utf8'));
  } catch (err) {
    return answer(400, { error: { message: `invalid JSON body: ${(err as Error).message}` } });
  }
  try {
    return answer(200, actions.setFaults(input));
  } catch (err) {
    if (err instanceof FaultConfigError) return answer(400, { error: { message: 'invalid faults', problems: err.problems } });
    throw err;
  }
}

/** Pretty-printed, kept alive, and not counted in the stats. */
function sendAdmin(res: Res, status: number, json: unknown, isH2: boolean): void {
  const payload = Buffer.from(JSON.stringify(json, null, 2));
  const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(payload.length) };
  if (!isH2) headers.connection = 'keep-alive';
  res.writeHead(status, headers);
  res.end(payload);
}
