/**
 * An attempt's timers (attempt.ts): one phase timer at a time (pool wait, write, read, body), the
 * attempt-wide one (the tighter of the call's and the config's attempt timeout, or the caller's total),
 * and acquire (aiohttp's connect: waiting for a pool slot and connecting). Armed only when configured; one
 * shared callback for all, the attempt riding in setTimeout's arguments: no closure per timer.
 */
import { performance } from 'node:perf_hooks';
import type { ErrorCode } from '../errors.js';
import { AttemptRecordBase } from './attempt-record.js';
import { timerDelayMs } from './deadlines.js';
import type { AttemptContext, AttemptRequest } from './request.js';

function onTimeout(attempt: AttemptTimers, code: ErrorCode, ms: number): void {
  attempt.timerFired(code, ms);
}

export abstract class AttemptTimers extends AttemptRecordBase {
  protected phaseTimer: NodeJS.Timeout | null = null;
  /** The phase timer's delay as armed, and when data last restarted its clock (0: not since it was armed); see touchPhase. */
  private phaseDelayMs = 0;
  private phaseTouchedAt = 0;
  protected attemptTimer: NodeJS.Timeout | null = null;
  /** timeouts.acquire: from the start until a connection is ready to write on. */
  protected acquireTimer: NodeJS.Timeout | null = null;
  /** When it began waiting for a connection (read only for per-wait pool timeouts). */
  protected waitingSince = 0;
  /** The attempt timer (not a total one) stops at the response headers (openai-node). */
  protected attemptEndsAtHeaders = false;

  /** A timer that is final fired: give up with its error. */
  protected abstract timedOut(code: ErrorCode, ms: number): void;
  /** When the pool last released a connection to waiters, for a per-wait pool timeout (httpx); else null. */
  protected abstract lastPoolRelease(): number | null;

  /** The attempt-wide timers: the tighter of the call's own timeout and the config's, or the caller's total; and acquire. */
  protected armAttemptTimers(ctx: AttemptContext, req: AttemptRequest): void {
    const configured = ctx.timeouts.attempt;
    const own = req.attemptTimeoutMs;
    const attemptMs = own === undefined ? configured : configured === null ? own : Math.min(own, configured);
    const totalMs = req.totalRemainingMs ?? ctx.timeouts.total ?? undefined;
    const behavior = ctx.behavior;
    if (totalMs !== undefined && (attemptMs === null || totalMs <= attemptMs)) {
      this.attemptTimer = setTimeout(onTimeout, timerDelayMs(Math.max(totalMs, 0), 'total', behavior), this, 'total_timeout', totalMs);
    } else if (attemptMs !== null) {
      this.attemptTimer = setTimeout(onTimeout, attemptMs, this, 'attempt_timeout', attemptMs);
      this.attemptEndsAtHeaders = behavior.attemptTimeoutEnds === 'headers';
    }
    const acquireMs = ctx.timeouts.acquire;
    if (acquireMs !== null) this.acquireTimer = setTimeout(onTimeout, timerDelayMs(acquireMs, 'acquire', behavior), this, 'connect_timeout', acquireMs);
  }

  /** Arm the phase timer to fire after `delayMs` with `code` (`ms`: the timeout as configured, for the message). */
  protected armPhase(delayMs: number, code: ErrorCode, ms: number): void {
    this.phaseTimer = setTimeout(onTimeout, delayMs, this, code, ms);
    this.phaseDelayMs = delayMs;
    this.phaseTouchedAt = 0;
  }

  /**
   * Data arrived: the phase's clock starts again (a read timeout runs from the last data). Lazily: the time
   * is noted, and a timer that fires after it is armed again for what is left, so a response's headers and
   * each chunk cost a clock read rather than a timer re-armed each time (Timeout.refresh).
   */
  protected touchPhase(): void {
    if (this.phaseTimer !== null) this.phaseTouchedAt = performance.now();
  }

  timerFired(code: ErrorCode, ms: number): void {
    const touchedAt = this.phaseTouchedAt;
    if (touchedAt > 0 && (code === 'read_timeout' || code === 'write_timeout')) {
      // Data came since the phase timer was armed (as Timeout.refresh did, whichever phase): its clock runs from then.
      this.phaseTouchedAt = 0;
      const left = this.phaseDelayMs - (performance.now() - touchedAt);
      if (left > 0) {
        this.phaseTimer = setTimeout(onTimeout, left, this, code, ms);
        return;
      }
    }
    const lastRelease = code === 'pool_timeout' ? this.lastPoolRelease() : null;
    if (lastRelease !== null) {
      // httpx: each released connection woke this request, which lost the race and waited the full pool
      // timeout again. It fails only after a whole interval in which no connection was released.
      const since = performance.now() - lastRelease;
      if (lastRelease > this.waitingSince && since < ms) {
        this.waitingSince = lastRelease;
        this.armPhase(ms - since, 'pool_timeout', ms);
        return;
      }
    }
    if (code === 'pool_timeout' || code === 'write_timeout' || code === 'read_timeout') this.phaseTimer = null;
    else if (code === 'connect_timeout') this.acquireTimer = null;
    else this.attemptTimer = null;
    this.timedOut(code, ms);
  }

  protected clearAcquireTimer(): void {
    clearTimeout(this.acquireTimer as NodeJS.Timeout);
    this.acquireTimer = null;
  }

  protected clearPhaseTimer(): void {
    if (this.phaseTimer !== null) {
      clearTimeout(this.phaseTimer);
      this.phaseTimer = null;
    }
  }

  protected clearTimers(): void {
    this.clearPhaseTimer();
    if (this.attemptTimer !== null) {
      clearTimeout(this.attemptTimer);
      this.attemptTimer = null;
    }
    if (this.acquireTimer !== null) this.clearAcquireTimer();
  }
}
