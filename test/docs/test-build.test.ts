/**
 * The suite starts its child processes (the CLI, the mock's process) from the build `npm test` makes first,
 * when that build is as new as every source; from source through tsx otherwise, so a single file run after
 * an edit still tests the edit.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { startMockProcess } from '../../mock-server/index.js';
import { CHILD_BUILD_ENV } from '../../src/util/fork.js';
import { BUILD_DIR, buildIsFresh, nodeArgsFor } from '../helpers/built.js';
import { runCli } from '../helpers/cli.js';

describe('the suite’s child processes', () => {
  it('start from the fresh build, or through tsx from source when it is not fresh', async () => {
    const mock = await startMockProcess({});
    try {
      const argv = (await readFile(`/proc/${mock.pid}/cmdline`, 'utf8')).split('\0');
      if (buildIsFresh()) {
        expect(process.env[CHILD_BUILD_ENV]).toBe(BUILD_DIR);
        expect(argv).toContain(`${BUILD_DIR}/mock-server/child.js`);
        expect(nodeArgsFor('src/cli/main.ts')).toEqual([`${BUILD_DIR}/src/cli/main.js`]);
      } else {
        expect(argv.some((a) => a.endsWith('/mock-server/child.ts'))).toBe(true);
        expect(nodeArgsFor('src/cli/main.ts')[0]).toBe('--import');
      }
    } finally {
      await mock.close();
    }
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
  });

  it('npm test builds first, so under npm test the build is always the one used', () => {
    // npm sets npm_lifecycle_event for the script it runs.
    if (process.env.npm_lifecycle_event === 'test') expect(buildIsFresh()).toBe(true);
  });
});
