/**
 * The wait before a request is answered: its service time (a latency rule's draw plus any delay its
 * header asks for), then slow headers on top. With workers, a request waits for a free worker first, and
 * holds it for its service time only (slow headers are the network's delay, not the worker's).
 */
import { performance } from 'node:perf_hooks';
import type { Exchange } from './exchange.js';
import { bump } from './stats.js';
import type { MockState } from './state.js';
import { atTime } from './timing.js';

/** Run `respond` once the request's service time (and slow headers) are over. */
export function afterServiceTime(state: MockState, ex: Exchange, respond: () => void): void {
  const service = ex.faults.serviceTime();
  if (service.fromRule) bump(state.stats.faults, 'latency');
  const slowHeadersMs = ex.faults.slowHeadersMs();
  if (slowHeadersMs !== undefined) bump(state.stats.faults, 'slow_headers');
  const serviceMs = service.ms;
  const headersMs = slowHeadersMs ?? 0;

  // Service time counts from when the request arrived (or, with workers, from when a worker took it),
  // and ends exactly then (atTime): node's timers alone fire up to a millisecond or two late.
  const serve = (release: () => void, startedAt: number) => {
    if (serviceMs <= 0 && headersMs <= 0) {
      release();
      respond(); // no timer hop when there is nothing to wait for: setTimeout(0) costs a millisecond
      return;
    }
    atTime(startedAt + serviceMs, () => {
      release();
      if (headersMs > 0) atTime(performance.now() + headersMs, respond);
      else respond();
    });
  };
  const { workers } = state.faults.config;
  if (workers === null) serve(noWorkerToRelease, ex.arrivedAt);
  else state.workers.acquire(workers, (release) => serve(release, performance.now()));
}

function noWorkerToRelease(): void {}
