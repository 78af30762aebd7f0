import { spawn, type ChildProcess } from 'node:child_process';
import { nodeArgsFor, ROOT } from './built.js';

/** Run the CLI in a child process (built, or from source: helpers/built.ts), as a user would run `tailgate`; in the repository unless told `cwd`. */
export function spawnCli(args: string[], env: Record<string, string> = {}, cwd = ROOT): ChildProcess & { output: () => { stdout: string; stderr: string } } {
  const child = spawn(process.execPath, [...nodeArgsFor('src/cli/main.ts'), ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return Object.assign(child, { output: () => ({ stdout, stderr }) });
}

export async function runCli(args: string[], env: Record<string, string> = {}, cwd = ROOT): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawnCli(args, env, cwd);
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? -1)));
  return { code, ...child.output() };
}

export async function waitForOutput(child: ReturnType<typeof spawnCli>, pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = child.output().stdout.match(pattern);
    if (m) return m;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no ${pattern} in output: ${JSON.stringify(child.output())}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Run the CLI's main() in this process: the same commands, exit codes and words as the program, without a
 * process per call (for tests that try many inputs; one runCli beside them proves the program agrees).
 */
export async function runMain(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { main } = await import('../../src/cli/main.js');
  let stdout = '';
  let stderr = '';
  const code = await main(args, { out: (t) => void (stdout += t), err: (t) => void (stderr += t), isTTY: false });
  return { code, stdout, stderr };
}
