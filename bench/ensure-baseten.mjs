// Baseten's Performance Client is the peer of bench:client only. The npm wrapper
// (@basetenlabs/performance-client) is stuck at 0.0.10, while the per-platform package carries the newest
// Rust core (0.1.14): the benchmark loads that package's napi binary directly. It is not a devDependency:
// the wrapper's manifest declares per-platform binaries that are not all published, and a per-platform
// package cannot install elsewhere; either leaves a lockfile that `npm ci` rejects. So the benchmark
// installs it without saving when it is missing, and the comparison says so when it cannot.
import { execSync } from 'node:child_process';
import { createRequire } from 'node:module';

const BASETEN_VERSION = '0.1.14';
// The same name as in client.bench.ts.
const BASETEN_PACKAGE = `@basetenlabs/performance-client-${process.platform}-${process.arch}${process.platform === 'linux' ? '-gnu' : ''}`;

const require = createRequire(import.meta.url);
const installed = () => {
  try {
    return require(`${BASETEN_PACKAGE}/package.json`).version;
  } catch {
    return null;
  }
};

if (installed() !== BASETEN_VERSION) {
  console.log(`installing ${BASETEN_PACKAGE}@${BASETEN_VERSION} for the comparison (not saved)…`);
  try {
    execSync(`npm install --no-save --no-audit --no-fund ${BASETEN_PACKAGE}@${BASETEN_VERSION}`, { stdio: 'inherit' });
  } catch {
    console.log(`could not install ${BASETEN_PACKAGE}@${BASETEN_VERSION}: bench:client writes its Baseten rows without a ratio`);
  }
}
