/**
 * The mock's own settings a user gives, on `tailgate mock`'s command line or in a scenario's target.mock:
 * declared once here, with their defaults and ranges, which the server, the command line and the
 * scenario's declaration all read.
 */
import { Type, withDefaults, type Static } from '../src/util/schema.js';

export const MOCK_SETTINGS = Type.Object({
  embeddingDim: Type.Integer({ minimum: 1, maximum: 8192, default: 32, description: 'default embedding dimension (a request\'s OpenAI `dimensions` overrides it)' }),
  tokensPerSecond: Type.Number({ minimum: 1, maximum: 100_000, default: 200, description: "the completions' pace where faults.llm leaves ttft or itl null" }),
  backlog: Type.Integer({ minimum: 1, maximum: 65_535, default: 511, description: 'accept queue length: with capacity.onExceed backlog, how many connects complete before the rest time out' }),
});
export type MockSettingsInput = Static<typeof MOCK_SETTINGS>;

/** Each setting's default, from its declaration. */
export const MOCK_SETTING_DEFAULTS: MockSettingsInput = withDefaults(MOCK_SETTINGS, {});
