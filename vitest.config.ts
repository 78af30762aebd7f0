import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Files whose assertions hold a latency or a timer to a few milliseconds of what the server measured, or
 * that make a machine busy on purpose: they run last, one at a time, with no other file beside them. Every
 * other file runs two at a time: the suite mostly waits (latencies, gaps, idle timeouts, child processes
 * starting), and those files' assertions are counts and verdicts with margins for a loaded machine. Three
 * at a time was 10.1 min instead of 13.7 quiet, but beside a busy neighbour it loaded the machine past
 * those margins (a shared client's pool finding, a twin's percentiles).
 */
const ALONE = [
  'test/runner/run/{gate-busy,accuracy,streams,gate-live}.test.ts',
  'test/runner/load/{arrival-sockets,load-models,trace}.test.ts',
  'test/mock-server/{latency,latency-precision,faults-capacity,faults-body}.test.ts',
  'test/engine/{timeouts-every-layer,timeouts,pool-timeout,connect-errors,deadlines,send-gate}.test.ts',
  'test/report/{sweep,gate-noise}.test.ts',
  'test/probe/probe.test.ts',
  'test/proxy/twin.test.ts',
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
      { extends: true, test: { name: 'shared', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...ALONE], fileParallelism: true, maxWorkers: 2, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'alone', include: ALONE, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
