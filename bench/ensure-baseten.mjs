// Baseten's published client is the peer of bench:client only. It is not a devDependency because its
// manifest declares per-platform binaries that are not all published, which leaves a lockfile that
// `npm ci` rejects; so the benchmark installs it (without saving) when it is missing.
import { execSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
try {
  require.resolve('@basetenlabs/performance-client');
} catch {
  console.log('installing @basetenlabs/performance-client@0.0.10 for the comparison (not saved)…');
  execSync('npm install --no-save --no-audit --no-fund @basetenlabs/performance-client@0.0.10', { stdio: 'inherit' });
}
