/**
 * A finding's change applied to a scenario's profile (run --verify-fixes): the settings it names set on
 * the client config or the client policy, and the whole config resolved again, so every value is checked
 * against its range as a scenario's is (a bad value is exit 2, nothing sent).
 */
import { InvalidInputError, resolveConfig, type ClientConfigInput } from '../../engine/index.js';
import type { ClientPolicy, FixSettings } from '../../report/index.js';
import type { ResolvedProfile } from './scenario-spec.js';

/** The client policy's keys (a key added to ClientPolicy and not here does not compile). */
const CLIENT_KEYS: Record<keyof ClientPolicy, true> = { timeoutS: true, hedgeDelayS: true, hedgeBudgetPct: true, retryBudgetPct: true, budgetFloor: true };

/** The profile with the settings applied, checked as a scenario's profile is (a bad value is exit 2, nothing sent). */
export function applyFixes(profile: ResolvedProfile, settings: FixSettings): ResolvedProfile {
  const config = structuredClone(profile.config) as unknown as Record<string, unknown>;
  const client: Record<string, unknown> = { ...profile.client };
  const problems: string[] = [];
  for (const [key, value] of Object.entries(settings)) {
    const [head, ...rest] = key.split('.');
    if (head === 'client') {
      if (rest.length === 1 && Object.hasOwn(CLIENT_KEYS, rest[0] as string)) client[rest[0] as string] = value;
      else problems.push(`${key} is not a client policy setting`);
      continue;
    }
    let at = config;
    for (const part of [head as string, ...rest].slice(0, -1)) {
      if (at[part] === null || typeof at[part] !== 'object') at[part] = {};
      at = at[part] as Record<string, unknown>;
    }
    at[key.split('.').at(-1) as string] = value;
  }
  if (problems.length) throw new InvalidInputError(`fixes for profile "${profile.name}"`, problems);
  // Resolved again from the whole config, so every value is checked against its range as a scenario's is.
  const resolved = resolveConfig(config as ClientConfigInput, { label: profile.name, env: {} });
  return { ...profile, config: { ...resolved, apiKey: profile.config.apiKey }, client: client as unknown as ResolvedProfile['client'] };
}
