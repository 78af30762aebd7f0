/**
 * The mock's delays end when configured, on the mock's own clock: from a request's arrival to the moment
 * it writes its answer (what a client cannot see apart from its own delays on a loaded machine).
 */
import { performance } from 'node:perf_hooks';
import { afterEach, expect, it } from 'vitest';
import type { Arrival } from '../../mock-server/index.js';
import { mockAndEngine } from '../helpers/mock.js';

let close: (() => Promise<void>) | undefined;
afterEach(async () => close?.());

/** Record, per request, how long after its arrival the mock began its answer. */
function answerTimes(into: number[]) {
  return {
    opened() {},
    closed() {},
    exchange({ res, arrivedAt }: Arrival) {
      const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => typeof res;
      res.writeHead = ((...args: unknown[]) => {
        into.push(performance.now() - arrivedAt);
        return writeHead(...args);
      }) as typeof res.writeHead;
    },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

it('a fixed latency ends on time: never early, and at the median no later than node timers alone (0.25 ms at most on a quiet machine)', async () => {
  const MS = 20;
  const served: number[] = [];
  const s = await mockAndEngine({ faults: { rules: [{ kind: 'latency', dist: 'fixed', ms: MS }] }, watch: answerTimes(served) });
  close = s.close;
  // One at a time: client and mock share this process's loop, and a client busy with other answers
  // would delay the mock's turn (in a process of its own the mock has its loop to itself: bench/mock).
  // Beside each request, node's own timer for the same wait, in this process at the same moment: the
  // yardstick on this machine, under the same load as the mock's wait it is held to.
  const nodeTimers: number[] = [];
  const send = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const due = performance.now() + MS;
      const timer = new Promise<void>((r) => setTimeout(() => r(void nodeTimers.push(performance.now() - due)), MS));
      await Promise.all([s.engine.attempt({ method: 'GET', path: '/health', discardBody: true }), timer]);
    }
  };
  await send(8); // warm-up: the first requests also load and compile the client's code on this loop
  served.length = 0;
  nodeTimers.length = 0;
  await send(30);
  expect(served).toHaveLength(30);
  const late = served.map((t) => t - MS);
  expect(Math.min(...late)).toBeGreaterThanOrEqual(0);
  // The median only: a loaded machine delays some wake-ups by milliseconds, whatever the mock does.
  // Beside a busy neighbour both waits are late by the scheduler, within noise of each other: 0.5 ms of margin.
  expect(median(late)).toBeLessThanOrEqual(Math.max(0.25, median(nodeTimers)) + 0.5);
  expect(s.mock.stats().faults.latency).toBe(38);
});
