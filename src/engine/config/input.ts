/**
 * ClientConfig as a user writes it (the engine's options, a scenario's profile): a preset to start from,
 * then any option of the declaration (options.ts) to override it. The ranges and docs are the declaration's;
 * tailgate's own defaults are named in each doc instead of declared, since a preset supplies whatever is
 * not given (an editor must not offer 100 connections as the default of an httpx profile).
 */
import { Type, type Static, type TSchema } from '../../util/schema.js';
import { BEHAVIOR_OPTIONS, RETRY_OPTIONS } from './behavior-options.js';
import { GROUP_DOCS, LOCAL_PORTS_INPUT, POOL_OPTIONS, TIMEOUT_OPTIONS, TOP_OPTIONS } from './options.js';
import { PRESET_NAMES } from './presets.js';

/** The options with their defaults moved into their docs (the schema objects are left as they are). */
function asWritten<P extends Record<string, TSchema>>(options: P): P {
  const written = Object.entries(options).map(([key, schema]) => {
    const { default: value, ...rest } = schema as TSchema & { default?: unknown; description?: string };
    return [key, value === undefined ? schema : { ...rest, description: `${rest.description}; without a preset: ${JSON.stringify(value)}` }];
  });
  return Object.fromEntries(written) as P;
}

const overrides = <P extends Record<string, TSchema>>(options: P, description: string) => Type.Partial(Type.Object(asWritten(options)), { additionalProperties: false, description });

export const CLIENT_CONFIG_INPUT = Type.Partial(
  Type.Object({
    preset: Type.Enum(PRESET_NAMES, { description: "the client to start from: its values and how it applies them (tailgate presets); without one, tailgate's defaults" }),
    pool: overrides({ ...POOL_OPTIONS, localPorts: LOCAL_PORTS_INPUT }, GROUP_DOCS.pool),
    timeouts: overrides(TIMEOUT_OPTIONS, GROUP_DOCS.timeouts),
    behavior: overrides(BEHAVIOR_OPTIONS, GROUP_DOCS.behavior),
    retry: overrides(RETRY_OPTIONS, GROUP_DOCS.retry),
    ...asWritten(TOP_OPTIONS),
  }),
  { additionalProperties: false },
);

/** What a user writes: a preset to start from (any name is checked when resolved), then any overrides. */
export type ClientConfigInput = Omit<Static<typeof CLIENT_CONFIG_INPUT>, 'preset'> & { preset?: string };
