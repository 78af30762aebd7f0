/**
 * "Stop accepting so the backlog fills": Node cannot stop accepting on a listening socket it polls, so the
 * gate hands the raw listening handle to a child process that holds it without polling it, then closes
 * the mock's own copy. The kernel completes handshakes into the accept queue until it is full and then
 * drops SYNs: clients see connect timeouts, exactly as against a saturated server. To reopen, the child
 * hands the same handle back and the mock listens on it again, so the connections queued meanwhile are
 * accepted and served, late, as a saturated server would serve them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

// Holds the raw handle (a TCP wrap, not a net.Server: nothing polls it) until asked for it back. Exits
// when its parent goes away, which closes its copy of the socket.
const CHILD = `
let held = null;
process.on('message', (m, handle) => {
  if (m === 'hold') { held = handle; process.send('held'); }
  else if (m === 'give') process.send('back', held, () => process.exit(0));
});
process.on('disconnect', () => process.exit(0));`;

export class BacklogGate {
  blocked = false;
  private child: ChildProcess | null = null;
  private transition: Promise<void> = Promise.resolve();

  /** Hand `listener`'s socket to a child that holds it unpolled, then close the mock's own copy. */
  block(listener: net.Server): Promise<void> {
    this.blocked = true;
    this.transition = this.transition.then(
      () =>
        new Promise<void>((resolve) => {
          const child = spawn(process.execPath, ['-e', CHILD], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
          this.child = child;
          child.on('error', () => resolve());
          const handle = (listener as unknown as { _handle: object })._handle;
          child.once('message', () => {
            listener.close();
            resolve();
          });
          child.send('hold', handle as never);
        }),
    );
    return this.transition;
  }

  /**
   * Take the socket back: `relisten(handle)` listens on it again (queued connections are then accepted).
   * Without a relisten (the mock is closing) the holder is simply killed.
   */
  unblock(relisten?: (handle: object) => void): Promise<void> {
    if (!this.blocked) return this.transition;
    this.blocked = false;
    this.transition = this.transition.then(
      () =>
        new Promise<void>((resolve) => {
          const child = this.child;
          this.child = null;
          if (!child || child.exitCode !== null) return resolve();
          if (!relisten) {
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
            return;
          }
          child.once('message', (_m, handle) => {
            relisten(handle as object);
            resolve();
          });
          child.send('give');
        }),
    );
    return this.transition;
  }
}
