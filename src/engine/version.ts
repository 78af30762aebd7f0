import { createRequire } from 'node:module';

/** The package version, read once from package.json (works from src/ under vitest and from dist/). */
function readVersion(): string {
  const require = createRequire(import.meta.url);
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = require(rel) as { name?: string; version?: string };
      if (pkg.name === 'tailgate' && pkg.version) return pkg.version;
    } catch {
      // try the next layout
    }
  }
  return '0.0.0';
}

export const VERSION = readVersion();
export const USER_AGENT = `tailgate/${VERSION}`;
