import { performance } from 'node:perf_hooks';
import { expect } from 'vitest';
import { TailgateError } from '../../src/index.js';

/** Await a promise that must reject with a TailgateError; returns it and how long it took. */
export async function expectFailure(p: Promise<unknown>): Promise<{ error: TailgateError; elapsedMs: number }> {
  const t0 = performance.now();
  try {
    await p;
  } catch (error) {
    expect(error).toBeInstanceOf(TailgateError);
    return { error: error as TailgateError, elapsedMs: performance.now() - t0 };
  }
  throw new Error('expected the attempt to fail');
}

/** Generous bounds for a loaded machine: never early, and late by at most `slackMs`. */
export function expectFiredAt(elapsedMs: number, configuredMs: number, slackMs = 400): void {
  expect(elapsedMs).toBeGreaterThanOrEqual(configuredMs - 2);
  expect(elapsedMs).toBeLessThan(configuredMs + slackMs);
}
