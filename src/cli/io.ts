/** What a command writes to; passed in so tests can capture it. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Is stdout a terminal (live progress) or a pipe (plain lines)? */
  isTTY: boolean;
}

/**
 * stdout closed early (`tailgate run … | head -1`) is not a failure of the run: writes stop, the run
 * goes on and still writes its report, and the exit code says what happened to the run, not the pipe.
 */
let stdoutClosed = false;
let stderrClosed = false;
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  stdoutClosed = true;
});
process.stderr.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  stderrClosed = true;
});

export const processIo: CliIo = {
  out: (t) => void (stdoutClosed || process.stdout.write(t)),
  err: (t) => void (stderrClosed || process.stderr.write(t)),
  isTTY: Boolean(process.stdout.isTTY),
};
