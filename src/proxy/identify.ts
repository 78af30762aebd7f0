/**
 * Which library a client is, from what it sends: its User-Agent, or the OpenAI SDKs' x-stainless-lang
 * header (sent even when the User-Agent is replaced). The fix a finding gives is written in its syntax.
 */
import type { WireLibrary } from '../report/index.js';

const BY_USER_AGENT: [RegExp, WireLibrary][] = [
  [/OpenAI\/Python ([\w.]+)/i, 'openai-python'],
  [/OpenAI\/JS ([\w.]+)/i, 'openai-node'],
  [/python-httpx\/([\w.]+)/i, 'httpx'],
  [/aiohttp\/([\w.]+)/i, 'aiohttp'],
  [/^undici(?:\/([\w.]+))?/i, 'undici'],
  // Node's fetch (undici inside) says only "node".
  [/^node(?:-fetch)?(?:\/([\w.]+))?$/i, 'fetch'],
];

export interface Identity {
  library: { name: WireLibrary; version: string | null } | null;
  /** The tailgate preset that reproduces the library (src/engine/config/presets.ts), for its defaults and syntax. */
  preset: string | null;
}

const PRESET_OF: Record<WireLibrary, string> = {
  httpx: 'httpx',
  aiohttp: 'aiohttp',
  'openai-python': 'openai-python',
  'openai-node': 'openai-node',
  undici: 'undici',
  fetch: 'fetch',
};

export function identify(userAgent: string | undefined, stainlessLang: string | undefined): Identity {
  if (stainlessLang === 'js' || stainlessLang === 'python') {
    const name: WireLibrary = stainlessLang === 'js' ? 'openai-node' : 'openai-python';
    const version = userAgent ? (BY_USER_AGENT.find(([, n]) => n === name)?.[0].exec(userAgent)?.[1] ?? null) : null;
    return { library: { name, version }, preset: PRESET_OF[name] };
  }
  if (userAgent) {
    for (const [pattern, name] of BY_USER_AGENT) {
      const m = pattern.exec(userAgent);
      if (m) return { library: { name, version: m[1] ?? null }, preset: PRESET_OF[name] };
    }
  }
  return { library: null, preset: null };
}

/** The profile name of a client: its User-Agent's product (`python-httpx/0.23.3`), bounded and printable. */
export function clientName(userAgent: string | undefined): string {
  if (!userAgent) return 'no-user-agent';
  // eslint-disable-next-line no-control-regex
  return userAgent.replace(/[\x00-\x1f\x7f]/g, '').slice(0, 80) || 'no-user-agent';
}
