/**
 * The faults one request gets. Each fault kind is decided in exactly one method here, which weighs the
 * request's x-tailgate-fault-* header (when fault headers are enabled) and the configured rules together,
 * so no pipeline step has to look at both.
 *
 * Each decision is asked once, by its step, in pipeline order. A rule with a probability draws from the
 * seeded sequence when it is asked, so the order of the steps is the order of the draws: a seed
 * reproduces a run because the steps always ask in the same order. For the same reason a method draws
 * its rule even where the header overrides it, exactly when it always has. Rules are read from the
 * faults in force when asked: faults replaced during a request's service time apply to the rest of it.
 */
import type http from 'node:http';
import { problemsOf, Type, type TSchema } from '../src/util/schema.js';
import type { RuleOf } from './active-faults.js';
import { DELAY_MS_SCHEMA, STATUS_RULE_FIELDS, type FaultRule } from './faults-schema.js';
import type { MockState } from './state.js';

/** What a request's fault headers ask for, read once on arrival. */
interface HeaderFaults {
  /** x-tailgate-fault-connection: reset | blackhole | close. */
  connection: (typeof CONNECTION_FAULTS)[number] | undefined;
  /** x-tailgate-fault-body: empty | malformed | stall | truncate | slow. */
  body: (typeof BODY_FAULTS)[number] | undefined;
  /** x-tailgate-fault-status: a status rule's status. */
  status: number | undefined;
  /** x-tailgate-fault-retry-after, sent as given with an injected status. */
  retryAfter: string | undefined;
  /** x-tailgate-fault-delay-ms, added to the service time (0 when absent). */
  delayMs: number;
}

const NO_HEADER_FAULTS: HeaderFaults = { connection: undefined, body: undefined, status: undefined, retryAfter: undefined, delayMs: 0 };
const NO_PROBLEMS: readonly string[] = [];
const NOTHING_ASKED = { faults: NO_HEADER_FAULTS, problems: NO_PROBLEMS };

/** The pace of `x-tailgate-fault-body: slow`, which has no parameters of its own. */
const HEADER_SLOW_BODY = { chunks: 5, ms: 500 };

const CONNECTION_FAULTS = ['reset', 'blackhole', 'close'] as const;
const BODY_FAULTS = ['empty', 'malformed', 'stall', 'truncate', 'slow'] as const;

/**
 * Each header and what it is held to. The numbers are the fault config's own fields (a status rule's
 * status and Retry-After, a fixed latency's ms); the words are the headers' own.
 */
const STATUS = 'x-tailgate-fault-status';
const DELAY_MS = 'x-tailgate-fault-delay-ms';
const RETRY_AFTER = 'x-tailgate-fault-retry-after';
const CONNECTION = 'x-tailgate-fault-connection';
const BODY = 'x-tailgate-fault-body';
const CONNECTION_SCHEMA = Type.Union(CONNECTION_FAULTS.map((v) => Type.Literal(v)));
const BODY_SCHEMA = Type.Union(BODY_FAULTS.map((v) => Type.Literal(v)));
/** A Retry-After as HTTP has it besides seconds: an HTTP-date (nothing a header could not carry). */
const HTTP_DATE_SCHEMA = Type.String({ pattern: '^[A-Za-z]{3}, \\d{2} [A-Za-z]{3} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT$', description: 'seconds, or an HTTP-date' });

const headerValue = (headers: http.IncomingHttpHeaders, name: string): string | undefined => {
  const v = headers[name];
  return typeof v === 'string' ? v : Array.isArray(v) ? v[0] : undefined;
};
/** A number as written (`429`, `1e3`), else the text itself, so a problem shows what was sent. */
const asNumber = (raw: string): number | string => (raw.trim() !== '' && !Number.isNaN(Number(raw)) ? Number(raw) : raw);

/**
 * What the mock would answer 400 to in these request headers (x-tailgate-fault-*), each problem named by its
 * header: a scenario checks its headers with it before the first request.
 */
export function faultHeaderProblems(headers: Readonly<Record<string, string>>): readonly string[] {
  const lower: http.IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) lower[name.toLowerCase()] = value;
  return readHeaderFaults(lower).problems;
}

/**
 * The headers' fault requests, every problem named: such a request is answered 400 instead of taking the
 * mock down (a status of 1000 cannot be sent) or being silently ignored. A request with no fault header
 * (nearly all of them) costs five lookups and nothing else.
 */
function readHeaderFaults(headers: http.IncomingHttpHeaders): { faults: HeaderFaults; problems: readonly string[] } {
  const status = headerValue(headers, STATUS);
  const delay = headerValue(headers, DELAY_MS);
  const retryAfter = headerValue(headers, RETRY_AFTER);
  const connection = headerValue(headers, CONNECTION);
  const body = headerValue(headers, BODY);
  if (status === undefined && delay === undefined && retryAfter === undefined && connection === undefined && body === undefined) return NOTHING_ASKED;
  const problems: string[] = [];
  const check = (name: string, schema: TSchema, value: unknown) => value !== undefined && problems.push(...problemsOf(schema, value, name));
  const statusValue = status === undefined ? undefined : asNumber(status);
  const delayValue = delay === undefined ? undefined : asNumber(delay);
  check(STATUS, STATUS_RULE_FIELDS.status, statusValue);
  check(DELAY_MS, DELAY_MS_SCHEMA, delayValue);
  if (retryAfter !== undefined) {
    const seconds = /^\d+$/.test(retryAfter);
    check(RETRY_AFTER, seconds ? STATUS_RULE_FIELDS.retryAfterS : HTTP_DATE_SCHEMA, seconds ? Number(retryAfter) : retryAfter);
  }
  check(CONNECTION, CONNECTION_SCHEMA, connection);
  check(BODY, BODY_SCHEMA, body);
  if (problems.length > 0) return { faults: NO_HEADER_FAULTS, problems };
  return {
    faults: { connection: connection as HeaderFaults['connection'], body: body as HeaderFaults['body'], status: statusValue as number | undefined, retryAfter, delayMs: (delayValue as number | undefined) ?? 0 },
    problems: NO_PROBLEMS,
  };
}

export interface InjectedStatus {
  status: number;
  /** The Retry-After value; empty or absent sends none. */
  retryAfter: string | undefined;
}

export interface Pace {
  chunks: number;
  ms: number;
}

export class RequestFaults {
  private readonly header: HeaderFaults;
  /** What is wrong with the request's fault headers (the request is answered 400 naming them). */
  readonly headerProblems: readonly string[];

  constructor(
    private readonly state: MockState,
    /** The request target as sent: rules match it (a prefix rule sees the query too). */
    private readonly path: string,
    headers: http.IncomingHttpHeaders,
  ) {
    const read = state.settings.faultHeadersEnabled ? readHeaderFaults(headers) : NOTHING_ASKED;
    this.header = read.faults;
    this.headerProblems = read.problems;
  }

  /** Reset the connection: asked for, or a reset_on_reuse rule fires on a connection reused after idling its idleMs. */
  resetOnReuse(reused: boolean, idleMs: number): boolean {
    const rule = reused ? this.rule('reset_on_reuse') : undefined;
    return this.header.connection === 'reset' || (rule !== undefined && idleMs >= rule.idleMs);
  }

  /** Never answer: asked for, or a blackhole_on_reuse rule fires as reset_on_reuse would. */
  blackholeOnReuse(reused: boolean, idleMs: number): boolean {
    const rule = reused ? this.rule('blackhole_on_reuse') : undefined;
    return this.header.connection === 'blackhole' || (rule !== undefined && idleMs >= rule.idleMs);
  }

  /** Read the request, then close without answering: only a header asks for this (no rule kind does). */
  closeUnanswered(): boolean {
    return this.header.connection === 'close';
  }

  rateLimit(): RuleOf<'rate_limit'> | undefined {
    return this.rule('rate_limit');
  }

  /** The service time: a latency rule's draw, if one fires, plus the delay the header asks for. */
  serviceTime(): { ms: number; fromRule: boolean } {
    const rule = this.rule('latency');
    const sampledMs = rule ? this.state.faults.sampleLatency(rule) : 0;
    return { ms: sampledMs + this.header.delayMs, fromRule: rule !== undefined };
  }

  /** Extra wait before the headers go out, after the service time (a slow_headers rule only). */
  slowHeadersMs(): number | undefined {
    return this.rule('slow_headers')?.ms;
  }

  emptyResponse(): boolean {
    return this.header.body === 'empty' || this.rule('empty_response') !== undefined;
  }

  /**
   * An error status: the header's, else a status rule's. Retry-After likewise comes from the header,
   * else from the rule, field by field: a header status can carry a rule's Retry-After.
   */
  injectedStatus(): InjectedStatus | undefined {
    const rule = this.rule('status');
    const status = this.header.status ?? rule?.status;
    if (status === undefined) return undefined;
    const ruleRetryAfter = rule?.retryAfterS !== undefined ? String(rule.retryAfterS) : undefined;
    return { status, retryAfter: this.header.retryAfter ?? ruleRetryAfter };
  }

  malformedJson(): boolean {
    return this.header.body === 'malformed' || this.rule('malformed_json') !== undefined;
  }

  stallAfterHeaders(): boolean {
    return this.header.body === 'stall' || this.rule('stall_after_headers') !== undefined;
  }

  truncatedBody(): boolean {
    return this.header.body === 'truncate' || this.rule('truncated_body') !== undefined;
  }

  /** A slow body: a slow_body rule's pace (the rule wins over the header), else the header's default pace. */
  slowBody(): Pace | undefined {
    return this.rule('slow_body') ?? (this.header.body === 'slow' ? HEADER_SLOW_BODY : undefined);
  }

  private rule<K extends FaultRule['kind']>(kind: K): RuleOf<K> | undefined {
    return this.state.faults.firstRule(kind, this.path);
  }
}
