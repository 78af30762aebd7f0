import { InvalidInputError } from '../engine/index.js';

/** "30s", "2m", "500ms", "1h" or plain seconds → seconds. */
export function parseDurationS(value: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!m) throw new InvalidInputError('arguments', [`${flag} must be a duration like 30s, 2m, 500ms, got ${JSON.stringify(value)}`]);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const seconds = unit === 'ms' ? n / 1000 : unit === 'm' ? n * 60 : unit === 'h' ? n * 3600 : n;
  if (seconds <= 0) throw new InvalidInputError('arguments', [`${flag} must be more than zero, got ${JSON.stringify(value)}`]);
  return seconds;
}
