/** Comparing the two sides of a differential case, within the case's stated tolerance. */
import type { Case, Client } from './cases.js';
import type { Outcome } from './run.js';

export interface FidelityRow {
  case: string;
  about: string;
  client: Client;
  settings: object;
  real: Outcome;
  tailgate: Outcome;
  tolerance: number;
  connectionTolerance: number;
  requestTolerance: number;
  /** Why the case is not deterministic, when it has a tolerance. */
  toleranceWhy?: string;
  match: boolean;
  /** What differs, beyond the tolerance. */
  differences: string[];
}

export function compareSides(c: Case, client: Client, real: Outcome, tailgate: Outcome): FidelityRow {
  const tolerance = c.tolerance?.[client] ?? 0;
  const connectionTolerance = c.connectionTolerance?.[client] ?? 0;
  const differences: string[] = [];
  const check = (what: string, a: number, b: number, within: number) => {
    if (Math.abs(a - b) > within) differences.push(`${what}: real ${a}, tailgate ${b}`);
  };
  check('succeeded', real.succeeded, tailgate.succeeded, tolerance);
  for (const k of new Set([...Object.keys(real.classes), ...Object.keys(tailgate.classes)])) check(k, real.classes[k] ?? 0, tailgate.classes[k] ?? 0, tolerance);
  const requestTolerance = c.requestTolerance?.[client] ?? tolerance;
  check('requests the server saw', real.serverRequests, tailgate.serverRequests, requestTolerance);
  check('connections the server accepted', real.connections, tailgate.connections, connectionTolerance);
  const tolerant = tolerance + connectionTolerance + requestTolerance > 0;
  return {
    case: c.name,
    about: c.about,
    client,
    settings: c.settings[client] ?? {},
    real,
    tailgate,
    tolerance,
    connectionTolerance,
    requestTolerance,
    ...(tolerant && c.toleranceWhy ? { toleranceWhy: c.toleranceWhy } : {}),
    match: differences.length === 0,
    differences,
  };
}
