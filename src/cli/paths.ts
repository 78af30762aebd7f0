import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The package root, whether running from src/ (tsx) or dist/src/ (built). */
export function packageRoot(): string {
  let dir = fileURLToPath(new URL('.', import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'scenarios'))) return dir;
    dir = join(dir, '..');
  }
  return process.cwd();
}

/** A scenario argument: a path, or the name of a bundled scenario (`quickstart`). */
export function scenarioPath(arg: string | undefined): string {
  const name = arg ?? 'quickstart';
  if (existsSync(name)) return name;
  const bundled = join(packageRoot(), 'scenarios', name.endsWith('.yaml') ? name : `${name}.yaml`);
  return existsSync(bundled) ? bundled : name;
}
