/**
 * Secrets on every path that prints: a YAML error's code frame quoting the line with an API key, a value
 * with a credential in an exception, and control characters in what a user wrote never reach the terminal raw.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { redactText } from '../../src/engine/index.js';
import { runCli } from '../helpers/cli.js';

describe('secrets in error output', () => {
  it('a scenario with a YAML typo next to its API key: exit 2, the line shown without the key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tailgate-secret-'));
    const file = join(dir, 's.yaml');
    await writeFile(file, ['name: leak', 'target:', '  url: https://model.example', '  headers:', '    Authorization: "Bearer sk-live-abcdef0123456789"', '   x-api-key: hunter2hunter2', 'workload: { kind: embed }'].join('\n'));
    const r = await runCli(['run', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(file);
    expect(r.stderr).not.toMatch(/sk-live|abcdef0123456789|hunter2/);
    expect(r.stderr).toContain('[redacted]');
  });

  it('redactText masks schemes, key shapes, URL userinfo and named credentials, and leaves plain numbers', () => {
    expect(redactText('Authorization: "Bearer sk-live-abcdef0123456789" at line 5')).toBe('Authorization: "Bearer [redacted]" at line 5');
    expect(redactText('lost http://ops:pw@10.0.0.1:7070/ (x-api-key=abcdefgh1234)')).toBe('lost http://[redacted]@10.0.0.1:7070/ (x-api-key=[redacted])');
    expect(redactText('tokens: 123456, max_tokens: 32')).toBe('tokens: 123456, max_tokens: 32');
  });

  it('control characters in a value a user gave are shown, not sent to the terminal', async () => {
    const r = await runCli(['run', 'quickstart', '--target', 'http://\u001b[2Jbad']);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('\u001b');
  });
});
