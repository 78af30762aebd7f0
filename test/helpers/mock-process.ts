import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The mock in its own process, so it can be stalled for real (SIGSTOP) without stalling the client. */
export async function startMockProcess(faults: unknown = {}): Promise<{ url: string; child: ChildProcess; stall(ms: number): Promise<void>; close(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/mock-server-child.ts', JSON.stringify(faults)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    child.once('exit', (code) => reject(new Error(`mock exited ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    stall: async (ms) => {
      child.kill('SIGSTOP');
      await new Promise((r) => setTimeout(r, ms));
      child.kill('SIGCONT');
    },
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}
