/**
 * "Stop accepting so the backlog fills": Node cannot stop accepting on a listening socket without closing
 * it, so the gate hands a duplicate of the listening socket to a child process that never runs its event
 * loop, then closes the mock's own copy. The kernel completes handshakes into the accept queue until it is
 * full and then drops SYNs: clients see connect timeouts, exactly as against a saturated server. To
 * reopen, the child is killed and the mock listens again on the same port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type net from 'node:net';

// Blocks in 1 s slices so it notices if its parent died (it then exits and frees the port).
// Receiving a server handle makes Node listen() on it again with its default backlog (511); calling
// listen() once more (Linux allows it) restores the mock's small accept queue before blocking.
const CHILD = `
const parent = process.ppid;
const backlog = Number(process.argv[1]);
process.on('message', (m, server) => {
  if (m !== 'hold') return;
  server._handle.listen(backlog);
  const cell = new Int32Array(new SharedArrayBuffer(4));
  for (;;) { Atomics.wait(cell, 0, 0, 1000); if (process.ppid !== parent) process.exit(0); }
});`;

export class BacklogGate {
  blocked = false;
  private child: ChildProcess | null = null;
  private transition: Promise<void> = Promise.resolve();

  /** Hand `listener` to a blocked child, then close the mock's own copy. */
  block(listener: net.Server, backlog: number): Promise<void> {
    this.blocked = true;
    this.transition = this.transition.then(
      () =>
        new Promise<void>((resolve) => {
          const child = spawn(process.execPath, ['-e', CHILD, String(backlog)], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
          this.child = child;
          child.on('error', () => resolve());
          child.send('hold', listener, () => {
            listener.close();
            resolve();
          });
        }),
    );
    return this.transition;
  }

  /** Kill the holder; `relisten` opens the port again in this process. */
  unblock(relisten?: () => void): Promise<void> {
    if (!this.blocked) return this.transition;
    this.blocked = false;
    this.transition = this.transition.then(
      () =>
        new Promise<void>((resolve) => {
          const child = this.child;
          this.child = null;
          if (!child || child.exitCode !== null) {
            relisten?.();
            return resolve();
          }
          child.once('exit', () => {
            relisten?.();
            resolve();
          });
          child.kill('SIGKILL');
        }),
    );
    return this.transition;
  }
}
