/** Connections shared by several clients (Baseten's HttpClientWrapper): one engine per origin. */
import type { ClientConfigInput, PresetName } from '../config/index.js';
import type { EngineObserver } from '../observer.js';
import { Engine } from '../transport/engine.js';

export class SharedPool {
  private readonly engines = new Map<string, Engine>();
  constructor(
    private readonly config: ClientConfigInput | PresetName = {},
    private readonly options: { observer?: EngineObserver; env?: Record<string, string | undefined> } = {},
  ) {}

  engineFor(baseUrl: string, apiKey: string | null): Engine {
    const url = new URL(baseUrl);
    const key = `${url.origin}${url.pathname}|${apiKey ?? ''}`;
    let engine = this.engines.get(key);
    if (!engine) {
      const base = typeof this.config === 'string' ? { preset: this.config } : this.config;
      engine = new Engine(baseUrl, apiKey === null ? base : { ...base, apiKey }, this.options);
      this.engines.set(key, engine);
    }
    return engine;
  }

  async close(): Promise<void> {
    await Promise.all([...this.engines.values()].map((e) => e.close()));
    this.engines.clear();
  }
}
