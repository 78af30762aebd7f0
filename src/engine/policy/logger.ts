/**
 * A small leveled logger for the client library. Level from PERFORMANCE_CLIENT_LOG_LEVEL (trace, debug,
 * info, warn, error; default warn), as Baseten's client. Messages never carry secrets: callers log codes,
 * ids and counts, not headers or bodies.
 */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Logger {
  readonly level: LogLevel;
  trace(msg: string): void;
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export function createLogger(
  level: LogLevel | undefined = undefined,
  sink: (line: string) => void = (line) => void process.stderr.write(`${line}\n`),
  env: Record<string, string | undefined> = process.env,
): Logger {
  const fromEnv = env.PERFORMANCE_CLIENT_LOG_LEVEL?.toLowerCase();
  const chosen: LogLevel = level ?? (LOG_LEVELS.includes(fromEnv as LogLevel) ? (fromEnv as LogLevel) : 'warn');
  const threshold = LOG_LEVELS.indexOf(chosen);
  const at = (lvl: LogLevel) => {
    if (LOG_LEVELS.indexOf(lvl) < threshold) return () => {};
    return (msg: string) => sink(`[tailgate ${lvl}] ${msg}`);
  };
  return { level: chosen, trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
