/**
 * ClientConfig's types, from its one declaration (options.ts, behavior-options.ts): what each option means,
 * its range and default are said there. A preset is a behaviour, not only a table of values: `behavior`
 * and `retry` say how the client applies the rest.
 */
import type { Static } from '../../util/schema.js';
import type { RETRY_STYLES } from './behavior-options.js';
import type { CLIENT_CONFIG, LOCAL_PORTS_INPUT } from './options.js';

export type ClientConfig = Static<typeof CLIENT_CONFIG>;
export type PoolConfig = ClientConfig['pool'];
export type TimeoutConfig = ClientConfig['timeouts'];
export type BehaviorConfig = ClientConfig['behavior'];
export type RetryConfig = ClientConfig['retry'];
export type RetryStyle = (typeof RETRY_STYLES)[number];
export type PoolMode = PoolConfig['mode'];
export type HttpVersion = ClientConfig['httpVersion'];
export type AuthScheme = ClientConfig['authScheme'];

/** Ports as a user may give them: a count (from LOCAL_PORTS_BASE), a range "20000-20999", {from, to}, or null. */
export type LocalPortsInput = Static<typeof LOCAL_PORTS_INPUT>;
