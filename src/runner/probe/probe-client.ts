/**
 * One probe step's client: an engine with the probe's headers and environment, used one request at a
 * time, whose every answer (a 404 or a 429 too) is counted by status in the step's tally and returned with
 * the attempt's record (its socket), so a step can tell which connection answered and what it said.
 */
import { Engine, TailgateError, type AttemptRecord, type ClientConfigInput, type EngineObserver } from '../../engine/index.js';
import type { Step } from './types.js';

export interface Answer {
  status: number;
  /** Lower-cased names. */
  headers: Record<string, string>;
  record: AttemptRecord;
}

export const why = (err: unknown) => (err as TailgateError).code ?? (err as Error).message;

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

  /** One request; any HTTP answer resolves, only transport failures reject. Not for concurrent use. */
  async answer(): Promise<Answer> {
    this.last = null;
    try {
      const r = await this.engine.attempt(this.step.req);
      return { status: r.status, headers: r.headers, record: r };
    } catch (err) {
      if (err instanceof TailgateError && err.status !== undefined && this.last !== null) return { status: err.status, headers: err.headers ?? {}, record: this.last };
      throw err;
    }
  }

  close(): Promise<void> {
    return this.engine.close();
  }
}
