/**
 * The request engine: one origin, one ClientConfig, one pool. `attempt()` sends exactly one HTTP attempt
 * with every timeout enforced and every failure classified; retries, hedging and batching are layered on
 * top (policy/, client/), never inside.
 */
import { inspect } from 'node:util';
import { redactConfig, resolveConfig, targetUrlProblem, type ClientConfig, type ClientConfigInput, type PresetName } from '../config/index.js';
import { InvalidInputError } from '../errors.js';
import type { EngineObserver } from '../observer.js';
import { USER_AGENT } from '../version.js';
import { Attempt } from './attempt.js';
import type { PoolStats } from './connection.js';
import { ConnectionPool } from './pool.js';
import type { AttemptContext, AttemptOwner, AttemptRequest, AttemptResult } from './request.js';

export interface EngineOptions {
  observer?: EngineObserver;
  /** Where API keys are looked up when the config has none (default process.env). */
  env?: Record<string, string | undefined>;
  /** Send tailgate's User-Agent (default true); false for a proxy, which forwards its client's. */
  identify?: boolean;
  /** Certificate authorities (PEM) to trust for TLS besides the system's: a private CA. */
  ca?: string | Buffer;
}

export class Engine {
  readonly config: ClientConfig;
  readonly origin: string;

  /** Logged or printed, an engine shows its origin and its config with secrets redacted, never its key. */
  toJSON(): { origin: string; config: ClientConfig } {
    return { origin: this.origin, config: redactConfig(this.config) };
  }

  [inspect.custom](): string {
    return `Engine ${inspect(this.toJSON(), { depth: 4 })}`;
  }

  private readonly pool: ConnectionPool;
  private readonly ctx: AttemptContext;

  constructor(baseUrl: string, config: ClientConfigInput | PresetName = {}, options: EngineOptions = {}) {
    const problem = targetUrlProblem('baseUrl', baseUrl);
    if (problem) throw new InvalidInputError('target', [problem]);
    const url = new URL(baseUrl);
    this.config = resolveConfig(config, options.env ? { env: options.env } : {});
    this.origin = url.origin;
    this.pool = new ConnectionPool(this.origin, this.config, options.observer, options.ca);
    const baseHeaders: string[] = options.identify === false ? [] : ['user-agent', USER_AGENT];
    for (const [name, value] of Object.entries(this.config.headers)) baseHeaders.push(name.toLowerCase(), value);
    if (this.config.apiKey !== null) baseHeaders.push('authorization', `${this.config.authScheme} ${this.config.apiKey}`);
    this.ctx = {
      pool: this.pool,
      timeouts: this.config.timeouts,
      bodyTimeoutMs: this.config.behavior.readClock === 'per-read' ? this.config.timeouts.read : this.config.timeouts.body,
      behavior: this.config.behavior,
      idempotentOnly: this.config.behavior.multiplex === 'idempotent',
      observer: options.observer,
      baseHeaders,
      basePath: url.pathname === '/' ? '' : url.pathname.replace(/\/$/, ''),
    };
  }

  /** Send one attempt. Resolves with the response for 1xx-3xx; rejects with a TailgateError otherwise. */
  attempt(request: AttemptRequest): Promise<AttemptResult> {
    return new Attempt(this.ctx, request).start();
  }

  /** Send one attempt and tell `owner` when it ends (from a microtask), with no promise: the load path. */
  attemptFor(request: AttemptRequest, owner: AttemptOwner): void {
    new Attempt(this.ctx, request, owner).begin();
  }

  /** The URL a path below the base URL stands for. */
  urlOf(path: string): URL {
    return new URL(this.ctx.basePath + path, this.origin);
  }

  /** The path of `url` below the base URL, as attempt() takes it; null when this engine cannot reach it (another origin, outside the base path). */
  pathBelowBase(url: URL): string | null {
    const base = this.ctx.basePath;
    if (url.origin !== this.origin || !url.pathname.startsWith(base)) return null;
    const rest = url.pathname.slice(base.length);
    if (base && rest !== '' && !rest.startsWith('/')) return null;
    return (rest || '/') + url.search;
  }

  /** Connections opened and closed so far, by side. */
  get connectionStats(): Readonly<PoolStats> {
    return this.pool.stats;
  }

  /** Connections open now. */
  get openConnections(): number {
    return this.pool.openConnections;
  }

  /** Attempts waiting for a connection now. */
  get waitingForConnection(): number {
    return this.pool.waiting;
  }

  /** Close every connection; attempts still waiting are dropped. */
  close(): Promise<void> {
    return this.pool.close();
  }
}
