/**
 * One probe step's client: an engine with the probe's headers and environment, used one request at a
 * time, whose every answer (a 404 or a 429 too) is counted by status in the step's tally and returned with
 * the attempt's record (its socket), so a step can tell which connection answered and what it said.
 */
import { Engine, TailgateError, type AttemptRecord, type ClientConfigInput, type EngineObserver } from '../engine/index.js';
import { answerDeadlineMs, DEADLINE_FACTOR, DEADLINE_MAX_MS, type Step } from './types.js';

export interface Answer {
  status: number;
  /** Lower-cased names. */
  headers: Record<string, string>;
  record: AttemptRecord;
}

export const why = (err: unknown) => (err as TailgateError).code ?? (err as Error).message;

/** An answer over its deadline: noted once per step, and the step stops (the probe goes on with the next). */
function overDeadline(s: Step, deadlineMs: number, err: TailgateError): TailgateError {
  const note = `an answer took longer than ${Math.round(deadlineMs / 100) / 10} s (${DEADLINE_FACTOR}× the slowest so far, at most ${DEADLINE_MAX_MS / 1000} s): its body was drip-fed or never ended, and the step stopped there`;
  if (!s.notes.includes(note)) s.notes.push(note);
  return err;
}

/** The server asked for the connection to end with this answer. */
export const saysClose = (a: Answer) => /(^|,)\s*close\s*(,|$)/i.test(a.headers.connection ?? '');

export class ProbeClient {
  readonly engine: Engine;
  private last: AttemptRecord | null = null;

  constructor(
    private readonly step: Step,
    config: ClientConfigInput,
    extra: EngineObserver = {},
  ) {
    this.engine = new Engine(step.url, { ...config, headers: step.options.headers }, {
      env: step.env,
      observer: {
        ...extra,
        onAttemptEnd: (a) => {
          this.last = a;
          if (a.status !== null && a.status > 0) step.statuses[a.status] = (step.statuses[a.status] ?? 0) + 1;
          extra.onAttemptEnd?.(a);
        },
      },
    });
  }

  /**
   * One request; any HTTP answer resolves, only transport failures reject. Not for concurrent use. An
   * answer that takes longer than its deadline (answerDeadlineMs: a body drip-fed, or one that never ends)
   * fails with attempt_timeout, and the step says so in a note.
   */
  async answer(): Promise<Answer> {
    this.last = null;
    const deadline = answerDeadlineMs(this.step);
    try {
      const r = await this.engine.attempt({ ...this.step.req, attemptTimeoutMs: deadline });
      this.step.slowestMs = Math.max(this.step.slowestMs, r.totalMs);
      return { status: r.status, headers: r.headers, record: r };
    } catch (err) {
      if (err instanceof TailgateError && err.status !== undefined && this.last !== null) return { status: err.status, headers: err.headers ?? {}, record: this.last };
      if (err instanceof TailgateError && err.code === 'attempt_timeout') throw overDeadline(this.step, deadline, err);
      throw err;
    }
  }

  close(): Promise<void> {
    return this.engine.close();
  }
}
