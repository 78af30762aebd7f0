/**
 * The mock server in its own process, as a real server would be: the load generator's CPU no longer
 * shows up as server latency, and the mock's timers no longer wait behind the generator's event loop.
 * The handle mirrors MockServer, asynchronously; the child exits when its parent does.
 *
 * The child runs in a process group of its own (`detached`), as the --workers children do: a terminal's
 * Ctrl+C goes to the whole foreground group, and the mock must outlive it so the run can drain against it
 * and read its counts for the partial report. It still dies with its parent: child.ts exits when the IPC
 * channel closes, which happens however the parent ends (even SIGKILL).
 */
import type { ChildProcess } from 'node:child_process';
import { forkSibling } from '../src/util/index.js';
import { FaultConfigError, type FaultConfig } from './faults.js';
import type { MockServerOptions } from './server.js';
import type { MockStats } from './stats.js';

export type ChildOp = 'start' | 'stats' | 'faults' | 'setFaults' | 'reset' | 'close';
export interface ChildRequest {
  id: number;
  op: ChildOp;
  arg?: unknown;
}
export type ChildReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: { message: string; problems?: string[] } };

export interface MockProcess {
  readonly url: string;
  readonly port: number;
  readonly host: string;
  /** The admin API's own listener (see MockServer.adminUrl). */
  readonly adminUrl: string | null;
  /** The child's pid (tests stall it with SIGSTOP, or kill it). */
  readonly pid: number;
  stats(): Promise<MockStats>;
  faults(): Promise<FaultConfig>;
  /** Replace the faults (validated first: an invalid config changes nothing and rejects, listing every problem). */
  setFaults(input: unknown): Promise<FaultConfig>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function startMockProcess(options: MockServerOptions = {}): Promise<MockProcess> {
  const child: ChildProcess = forkSibling(import.meta.url, 'child', [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], detached: true });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let exited = false;
  child.on('message', (msg: ChildReply) => {
    const call = pending.get(msg.id);
    if (!call) return;
    pending.delete(msg.id);
    if (msg.ok) call.resolve(msg.value);
    else call.reject(msg.error.problems ? new FaultConfigError('setFaults', msg.error.problems) : new Error(msg.error.message));
  });
  child.on('exit', (code, signal) => {
    exited = true;
    for (const call of pending.values()) call.reject(new Error(`the mock process exited (${signal ?? code})`));
    pending.clear();
  });
  const call = <T>(op: ChildOp, arg?: unknown): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (exited || !child.connected) return reject(new Error('the mock process has exited'));
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      // With a callback, a channel that closed meanwhile (the process is dying) rejects this call
      // instead of emitting an 'error' nobody listens to.
      child.send({ id, op, arg } satisfies ChildRequest, (err) => {
        if (!err) return;
        pending.delete(id);
        reject(err);
      });
    });
  const started = await call<{ url: string; port: number; host: string; adminUrl: string | null }>('start', options).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  return {
    ...started,
    pid: child.pid as number,
    stats: () => call<MockStats>('stats'),
    faults: () => call<FaultConfig>('faults'),
    setFaults: (input) => call<FaultConfig>('setFaults', input),
    reset: () => call<void>('reset'),
    close: async () => {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      if (child.exitCode !== null || child.signalCode !== null) return;
      await call('close').catch(() => child.kill('SIGKILL'));
      await gone;
    },
  };
}
