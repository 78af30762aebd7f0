/** Real clients as test subjects: Debian's python (httpx, aiohttp) and node (npm's openai, undici), run as programs. */
import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SUBJECTS = fileURLToPath(new URL('../proxy/subjects/', import.meta.url));
/** Debian's own python, with its python3-httpx and python3-aiohttp (not whatever python3 is first on PATH). */
const SYSTEM_PATH = execFileSync('getconf', ['PATH']).toString().trim();

export interface SubjectRun {
  code: number;
  out: Record<string, unknown>;
  stderr: string;
}

/** Run `file` (a .py or .mjs under test/proxy/subjects) with `args`, its client pointed at `baseUrl`; it prints one JSON line. */
export function runSubject(file: string, args: string[], baseUrl: string, timeoutMs = 30_000): Promise<SubjectRun> {
  const python = file.endsWith('.py');
  const cmd = python ? 'python3' : process.execPath;
  const env = { ...process.env, OPENAI_BASE_URL: baseUrl, ...(python ? { PATH: SYSTEM_PATH } : {}) };
  return new Promise((resolve) => {
    execFile(cmd, [`${SUBJECTS}${file}`, ...args], { env, timeout: timeoutMs }, (err, stdout, stderr) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      let out: Record<string, unknown> = {};
      try {
        out = JSON.parse(last) as Record<string, unknown>;
      } catch {
        out = { unparsed: stdout };
      }
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, out, stderr });
    });
  });
}
