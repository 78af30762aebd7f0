import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Files whose assertions are counts and verdicts with no fine timing in them: they run two at a time,
 * first. Everything else runs after them, one file at a time: timing assertions (a fixed latency read back
 * within a few ms, timeouts within bounds) must not compete with another file for this machine's two cores.
 */
const COUNTS = [
  'test/fidelity/**/*.test.ts',
  'test/hostile/{coordinator,mock-headers,outcomes,secrets}.test.ts',
  'test/cli/hostile-input.test.ts',
  'test/report/hostile-input.test.ts',
  'test/architecture/**/*.test.ts',
  'test/util/**/*.test.ts',
  'test/metrics/**/*.test.ts',
  'test/runner/scenario/**/*.test.ts',
  'test/export/{buckets,run-families}.test.ts',
  'test/deploy/k8s-manifest.test.ts',
  'test/docs/{test-packages,test-build}.test.ts',
];

export default defineConfig({
  test: {
    // Tests use real sockets and real timers; a loaded CI machine needs headroom.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Child processes (the CLI, the mock's process, workers) start from npm test's build when it is fresh.
    setupFiles: ['test/helpers/setup-build.ts'],
    // Within a file, only describe.concurrent blocks (the fidelity cases, which compare counts) overlap.
    maxConcurrency: 3,
    projects: [
      { extends: true, test: { name: 'counts', include: COUNTS, fileParallelism: true, maxWorkers: 2, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'timing', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...COUNTS], fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
