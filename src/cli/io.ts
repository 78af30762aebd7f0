/** What a command writes to; passed in so tests can capture it. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Is stdout a terminal (live progress) or a pipe (plain lines)? */
  isTTY: boolean;
}

export const processIo: CliIo = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  isTTY: Boolean(process.stdout.isTTY),
};
