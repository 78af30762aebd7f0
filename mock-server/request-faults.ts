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
import type { RuleOf } from './active-faults.js';
import { RULE_FIELDS, type FaultRule } from './faults.js';
import { checkField, MS, show, type FieldSpec } from './field-check.js';
import type { MockState } from './state.js';

/** What a request's fault headers ask for, read once on arrival. */
interface HeaderFaults {
  /** x-tailgate-fault-connection: reset | blackhole | close. */
  connection: string | undefined;
  /** x-tailgate-fault-body: empty | malformed | stall | truncate | slow. */
  body: string | undefined;
  /** x-tailgate-fault-status: a status rule's status. */
  status: number | undefined;
  /** x-tailgate-fault-retry-after, sent as given with an injected status. */
  retryAfter: string | undefined;
  /** x-tailgate-fault-delay-ms, added to the service time (0 when absent). */
  delayMs: number;
}

const NO_HEADER_FAULTS: HeaderFaults = { connection: undefined, body: undefined, status: undefined, retryAfter: undefined, delayMs: 0 };

/** The pace of `x-tailgate-fault-body: slow`, which has no parameters of its own. */
const HEADER_SLOW_BODY = { chunks: 5, ms: 500 };

const CONNECTION_FAULTS = ['reset', 'blackhole', 'close'] as const;
const BODY_FAULTS = ['empty', 'malformed', 'stall', 'truncate', 'slow'] as const;
/** A Retry-After as HTTP has it: seconds, or an HTTP-date (nothing a header could not carry). */
const RETRY_AFTER = /^(\d{1,9}|[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT)$/;

/**
 * The headers' fault requests, each held to the same declaration as the fault config's (a status rule's
 * status, a latency's ms), and every problem named: such a request is answered 400 instead of taking the
 * mock down (a status of 1000 cannot be sent) or being silently ignored.
 */
function readHeaderFaults(headers: http.IncomingHttpHeaders): { faults: HeaderFaults; problems: string[] } {
  const problems: string[] = [];
  const header = (name: string): string | undefined => {
    const v = headers[`x-tailgate-fault-${name}`];
    return typeof v === 'string' ? v : Array.isArray(v) ? v[0] : undefined;
  };
  const number = (name: string, spec: FieldSpec): number | undefined => {
    const raw = header(name);
    if (raw === undefined) return undefined;
    const v = raw.trim() === '' ? Number.NaN : Number(raw);
    checkField(`x-tailgate-fault-${name}`, spec, v, problems);
    return v;
  };
  const oneOf = <T extends string>(name: string, values: readonly T[]): T | undefined => {
    const raw = header(name);
    if (raw === undefined) return undefined;
    checkField(`x-tailgate-fault-${name}`, { type: 'enum', values }, raw, problems);
    return raw as T;
  };
  const status = number('status', RULE_FIELDS.status.status as FieldSpec);
  const delayMs = number('delay-ms', { type: 'number', min: 0, max: MS });
  const retryAfter = header('retry-after');
  if (retryAfter !== undefined && !RETRY_AFTER.test(retryAfter)) problems.push(`x-tailgate-fault-retry-after must be seconds or an HTTP-date, got ${show(retryAfter.slice(0, 40))}`);
  const faults: HeaderFaults = { connection: oneOf('connection', CONNECTION_FAULTS), body: oneOf('body', BODY_FAULTS), status, retryAfter, delayMs: delayMs ?? 0 };
  return { faults: problems.length ? NO_HEADER_FAULTS : faults, problems };
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
  readonly headerProblems: string[];

  constructor(
    private readonly state: MockState,
    /** The request target as sent: rules match it (a prefix rule sees the query too). */
    private readonly path: string,
    headers: http.IncomingHttpHeaders,
  ) {
    const read = state.settings.faultHeadersEnabled ? readHeaderFaults(headers) : { faults: NO_HEADER_FAULTS, problems: [] };
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
