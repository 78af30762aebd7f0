import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Child processes (the CLI, the mock's, workers) start from npm test's build when it is fresh.
    setupFiles: ['test/helpers/setup-build.ts'],
    // Tests use real sockets and real timers; a loaded CI machine needs headroom.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // One file at a time: timing assertions (a fixed latency read back within 2 ms, timeouts within
    // bounds) must not compete with other files for this machine's two cores.
    fileParallelism: false,
    // Within a file, only describe.concurrent blocks (the fidelity cases, which compare counts) overlap.
    maxConcurrency: 3,
  },
});
