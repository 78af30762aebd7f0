/**
 * A request's way through the faults, in order. Each fault is a named step: it either answers the
 * request itself (returns true: the request goes no further) or lets it through. The order is part of
 * the semantics: an earlier fault pre-empts a later one, and rules with a probability draw from the
 * seeded sequence in this order (see request-faults.ts).
 *
 *   on arrival:        bad fault headers (400), reset on reuse, blackhole on reuse, close unanswered, max in flight, rate limit
 *   the body:          read whole (413 beyond the limit)
 *   service time:      latency, header delay, workers, slow headers (service-time.ts)
 *   before answering:  empty response, injected status
 *   the endpoint:      its result, or its refusal (404, 405, 400, 413) sent as is; a completion is
 *                      generated first (llm.ts: queue, prefill, tokens), streamed as it goes or whole.
 *                      A proxy puts its own endpoint here (the upstream's answer): the same faults
 *                      then apply to live traffic.
 *   delivery:          malformed JSON (shapes the text), then stalled, truncated, slow, or whole
 *                      (whole answers only: a stream is written as its tokens come)
 */
import { killConnection } from './connections.js';
import { callEndpoint } from './endpoints.js';
import type { Exchange } from './exchange.js';
import { EMPTY_BODY, readBody } from './request-body.js';
import { answerCompletion } from './llm-answer.js';
import { malformed, sendHeadersOnly, sendJson, sendSlowly, sendTruncated, sendWhole } from './responders.js';
import { afterServiceTime } from './service-time.js';
import { bump } from './stats.js';
import type { MockState } from './state.js';

type Step = (state: MockState, ex: Exchange) => boolean;

/** A whole answer on its way out (the endpoint's JSON, or an upstream's body); a shaping step may rewrite it. */
export interface WholeAnswer {
  status: number;
  payload: Buffer;
  /** Headers besides content-length (default: JSON's content type). */
  headers?: Record<string, string>;
}
type DeliveryStep = (state: MockState, ex: Exchange, answer: WholeAnswer) => boolean;

/**
 * What answers a request once the faults before the answer let it through: the mock's endpoints, or a
 * proxy's upstream. A whole answer goes to `deliver` (the body faults shape it); a stream is written by
 * the endpoint itself.
 */
export type Endpoint = (state: MockState, ex: Exchange, body: Buffer, deliver: (answer: WholeAnswer) => void) => void;

// ---- on arrival, before the body is read ----

/** Fault headers asking for what no fault config could: 400, every problem named (the mock stays up). */
const badFaultHeaders: Step = (state, ex) => {
  const problems = ex.faults.headerProblems;
  if (problems.length === 0) return false;
  ex.req.resume();
  sendJson(state, ex, 400, { error: { message: `invalid fault headers: ${problems.join('; ')}` } });
  return true;
};

/** The dead keep-alive race, made deterministic: the reused connection is reset under the request. */
const resetOnReuse: Step = (state, ex) => {
  if (!ex.faults.resetOnReuse(ex.reused, ex.idleMs)) return false;
  bump(state.stats.faults, 'reset_on_reuse');
  killConnection(ex.conn, ex.req, true);
  ex.finish();
  return true;
};

/** The silent half of that race: the request is read, never answered, and the connection never closed. */
const blackholeOnReuse: Step = (state, ex) => {
  if (!ex.faults.blackholeOnReuse(ex.reused, ex.idleMs)) return false;
  bump(state.stats.faults, 'blackhole');
  ex.req.resume();
  return true;
};

/** The request is read, then the connection closes with no answer (counted as an empty response). */
const closeUnanswered: Step = (state, ex) => {
  if (!ex.faults.closeUnanswered()) return false;
  bump(state.stats.faults, 'empty_response');
  ex.req.resume();
  ex.req.on('end', () => killConnection(ex.conn, ex.req, false));
  return true;
};

/** Over capacity.maxInFlight (this request included): 503 with Retry-After. */
const overMaxInFlight: Step = (state, ex) => {
  const { maxInFlight } = state.faults.config.capacity;
  if (maxInFlight === null || state.stats.requests.inFlight <= maxInFlight) return false;
  bump(state.stats.faults, 'max_in_flight');
  ex.req.resume();
  sendJson(state, ex, 503, { error: { message: 'server overloaded: too many requests in flight' } }, { 'retry-after': '1' });
  return true;
};

/** A rate-limit rule's bucket is empty: 429, Retry-After saying when the next token comes. */
const rateLimited: Step = (state, ex) => {
  const limiter = ex.faults.rateLimit();
  if (!limiter) return false;
  const { req } = ex;
  const key = limiter.scope === 'client' ? String(req.headers.authorization ?? req.socket?.remoteAddress ?? 'anon') : '*';
  const taken = state.faults.bucketFor(limiter, key, ex.arrivedAt).take(ex.arrivedAt);
  if (taken.ok) return false;
  bump(state.stats.faults, 'rate_limit');
  const seconds = Math.max(1, Math.ceil(taken.waitMs / 1000));
  // An HTTP date has whole seconds: round up, so the date is never earlier than the wait it means.
  const retryAfter = limiter.retryAfter === 'date' ? new Date(Math.ceil((Date.now() + seconds * 1000) / 1000) * 1000).toUTCString() : String(seconds);
  req.resume();
  sendJson(state, ex, 429, { error: { message: 'rate limited', type: 'rate_limit_exceeded' } }, { 'retry-after': retryAfter });
  return true;
};

const ON_ARRIVAL: readonly Step[] = [badFaultHeaders, resetOnReuse, blackholeOnReuse, closeUnanswered, overMaxInFlight, rateLimited];

// ---- once served, before the endpoint answers ----

/** The connection closes where the answer should be. */
const emptyResponse: Step = (state, ex) => {
  if (!ex.faults.emptyResponse()) return false;
  bump(state.stats.faults, 'empty_response');
  killConnection(ex.conn, ex.req, false);
  return true;
};

/** An error status instead of the endpoint's answer. */
const injectedStatus: Step = (state, ex) => {
  const injected = ex.faults.injectedStatus();
  if (!injected) return false;
  const { status, retryAfter } = injected;
  bump(state.stats.faults, `status_${status}`);
  sendJson(state, ex, status, { error: { message: `injected ${status}`, type: 'mock_fault' } }, retryAfter ? { 'retry-after': retryAfter } : {});
  return true;
};

const BEFORE_ANSWER: readonly Step[] = [emptyResponse, injectedStatus];

// ---- delivering the endpoint's JSON: the first step that sends it wins ----

/** Shapes the text and lets the answer go on: malformed JSON can still arrive stalled, truncated or slowly. */
const malformedJson: DeliveryStep = (state, ex, answer) => {
  if (!ex.faults.malformedJson()) return false;
  bump(state.stats.faults, 'malformed_json');
  answer.payload = Buffer.from(malformed(answer.payload.toString('utf8')));
  return false;
};

const stallAfterHeaders: DeliveryStep = (state, ex, answer) => {
  if (!ex.faults.stallAfterHeaders()) return false;
  bump(state.stats.faults, 'stall_after_headers');
  sendHeadersOnly(state, ex, answer.status, answer.payload, answer.headers);
  return true;
};

const truncatedBody: DeliveryStep = (state, ex, answer) => {
  if (!ex.faults.truncatedBody()) return false;
  bump(state.stats.faults, 'truncated_body');
  sendTruncated(state, ex, answer.status, answer.payload, answer.headers);
  return true;
};

const slowBody: DeliveryStep = (state, ex, answer) => {
  const pace = ex.faults.slowBody();
  if (!pace) return false;
  bump(state.stats.faults, 'slow_body');
  sendSlowly(state, ex, answer.status, answer.payload, pace, answer.headers);
  return true;
};

const wholeBody: DeliveryStep = (state, ex, answer) => {
  sendWhole(state, ex, answer.status, answer.payload, answer.headers);
  return true;
};

const DELIVERY: readonly DeliveryStep[] = [malformedJson, stallAfterHeaders, truncatedBody, slowBody, wholeBody];

// ---- the way through ----

/** Take a request through the faults to its answer (or to whatever a fault does instead). */
export function runFaultPipeline(state: MockState, ex: Exchange, endpoint: Endpoint = mockEndpoint): void {
  if (anyActs(ON_ARRIVAL, state, ex)) return;
  withBody(state, ex, (body) =>
    afterServiceTime(state, ex, () => {
      if (ex.res.destroyed || state.closing) return;
      if (anyActs(BEFORE_ANSWER, state, ex)) return;
      endpoint(state, ex, body, (whole) => deliverAnswer(state, ex, whole));
    }),
  );
}

/** The first step that acts ends the way (a plain loop: no closure per request, as `some` would take). */
function anyActs(steps: readonly Step[], state: MockState, ex: Exchange): boolean {
  for (const step of steps) if (step(state, ex)) return true;
  return false;
}

function withBody(state: MockState, ex: Exchange, then: (body: Buffer) => void): void {
  const { req } = ex;
  if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined && !ex.isH2) {
    // No body to read (GET /health and the like): node:http discards the empty message itself.
    then(EMPTY_BODY);
    return;
  }
  const tooLarge = () => {
    const message = `request body larger than ${state.settings.maxBodyBytes} bytes`;
    sendJson(state, ex, 413, { error: { message } }, { connection: 'close' });
  };
  readBody(req, state.settings.maxBodyBytes, then, tooLarge);
}

/** The mock's own endpoints (endpoints.ts), completions generated as a model server would. */
const mockEndpoint: Endpoint = (state, ex, body, deliver) => {
  const call = callEndpoint(ex.route, ex.req.method ?? 'GET', body, state.settings.endpointOptions);
  if (!call.ok) {
    sendJson(state, ex, call.status, call.json, call.headers);
    return;
  }
  const { result } = call;
  const json = (status: number, value: unknown) => deliver({ status, payload: Buffer.from(JSON.stringify(value)) });
  if ('generation' in result) answerCompletion(state, ex, result.generation, json);
  else if (result.payload) deliver({ status: result.status, payload: result.payload });
  else json(result.status, result.json);
};

/** A whole answer through the body faults: the first delivery step that sends it wins. */
export function deliverAnswer(state: MockState, ex: Exchange, answer: WholeAnswer): void {
  for (const step of DELIVERY) if (step(state, ex, answer)) return;
}
