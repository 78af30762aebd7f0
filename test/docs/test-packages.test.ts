/**
 * The Debian packages the tests use are named in one place, scripts/test-packages.sh, which both `npm test`
 * (its pretest) and CI's .ci/run call, and on this machine it finds them all (so no test below it is
 * skipped for want of a tool: the suite has no skipIf on a missing tool).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('scripts/test-packages.sh', () => {
  it('is what npm test and .ci/run both call, and it finds every package here', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['pretest']).toBe('bash scripts/test-packages.sh');
    expect(await readFile('.ci/run', 'utf8')).toMatch(/^bash scripts\/test-packages\.sh$/m);
    const { stderr } = await run('bash', ['scripts/test-packages.sh']);
    expect(stderr).toBe('');
  });
});
