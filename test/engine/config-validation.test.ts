import { afterEach, describe, expect, it } from 'vitest';
import { Engine, InvalidInputError, PRESETS, PRESET_NAMES, redactConfig, resolveConfig, REDACTED } from '../../src/index.js';
import { startStatusServer, type Running } from '../helpers/faulty-servers.js';

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    return (err as InvalidInputError).problems;
  }
  throw new Error('expected an InvalidInputError');
}

describe('client config validation', () => {
  let server: (Running & { requests: () => number; connections: () => number }) | undefined;
  afterEach(async () => server?.close());

  it('lists every problem at once, each naming the option, the rule and the value', () => {
    const problems = problemsOf(() =>
      resolveConfig({
        pool: { connections: 0, keepAliveMs: -5, mode: 'sometimes' as never },
        timeouts: { read: 1.5, connect: 'fast' as never },
        httpVersion: 3 as never,
      }),
    );
    expect(problems).toContain('pool.connections must be an integer in 1..65535 or null, got 0');
    expect(problems).toContain('pool.keepAliveMs must be an integer in 0..86400000, got -5');
    expect(problems).toContain('pool.mode must be one of shared, per-request, got "sometimes"');
    expect(problems).toContain('timeouts.read must be an integer in 1..86400000 or null, got 1.5');
    expect(problems).toContain('timeouts.connect must be an integer in 1..86400000 or null, got "fast"');
    expect(problems).toContain('httpVersion must be one of 1, 2, got 3');
    expect(problems).toHaveLength(6);
  });

  it('names unknown options and suggests the intended one', () => {
    const problems = problemsOf(() => resolveConfig({ pool: { conections: 5 } as never, timeout: {} } as never));
    expect(problems).toEqual(['pool.conections is not a known field (did you mean connections?)', 'timeout is not a known field (did you mean timeouts?)']);
    expect(problemsOf(() => resolveConfig({ pool: { size: 5 } } as never))[0]).toMatch(/^pool\.size is not a known field \(known: connections, maxIdle, /);
    expect(problemsOf(() => resolveConfig({ timeouts: { keepAliveMs: 5000 } } as never))).toEqual(['timeouts.keepAliveMs is not a known field (did you mean pool.keepAliveMs?)']);
  });

  it('checks relations between options and unknown presets', () => {
    // As httpcore: idle connections kept are clamped to the connections allowed, not refused.
    expect(resolveConfig({ pool: { connections: 4, maxIdle: 8 } }).pool.maxIdle).toBe(4);
    expect(resolveConfig({ preset: 'httpx', pool: { connections: 4 } }).pool).toMatchObject({ connections: 4, maxIdle: 4 });
    expect(problemsOf(() => resolveConfig({ retry: { initialBackoffMs: 500, maxBackoffMs: 100 } }))).toEqual([
      'retry.maxBackoffMs must be >= retry.initialBackoffMs (500), got 100',
    ]);
    expect(problemsOf(() => resolveConfig({ preset: 'requests' }))[0]).toMatch(/^preset must be one of httpx, aiohttp/);
    // undici's bodyTimeout is a clock of its own only where reads are timed in two clocks.
    expect(resolveConfig({ preset: 'undici', timeouts: { body: null } }).timeouts).toMatchObject({ read: 300_000, body: null });
    expect(problemsOf(() => resolveConfig({ preset: 'httpx', timeouts: { body: 500 } }))[0]).toMatch(/^timeouts\.body is undici's bodyTimeout and needs behavior\.readClock "headers-body".*, got 500$/);
    expect(problemsOf(() => resolveConfig({ behavior: { h2Streams: 'some' as never } }))[0]).toBe(
      'behavior.h2Streams must be one of server-limit, client-limit, ignore-server-limit, got "some"',
    );
  });

  it('port budgets, proxies and headers: checked by rule, and a secret in them never comes back in a problem', () => {
    expect(resolveConfig({ pool: { localPorts: 100 } }, { env: {} }).pool.localPorts).toEqual({ from: 20_000, to: 20_099 });
    expect(resolveConfig({ pool: { localPorts: '30000-30009' } }, { env: {} }).pool.localPorts).toEqual({ from: 30_000, to: 30_009 });
    expect(problemsOf(() => resolveConfig({ pool: { localPorts: '30000-20000' } }))).toEqual(['pool.localPorts must be ports within 1024..65535, first <= last, got "30000-20000"']);
    expect(problemsOf(() => resolveConfig({ pool: { localPorts: true as never } }))).toEqual(['pool.localPorts must be an integer in 1..45536, a string, an object or null, got true']);
    const secret = problemsOf(() =>
      resolveConfig({ proxy: 'https://user:hunter2@proxy:3128', headers: { Authorization: 'Bearer sk-live-abcdefgh\r\nx-evil: 1', 'bad name': 'v' } }),
    );
    expect(secret).toEqual([
      'headers.Authorization is not valid (a header value: no line breaks or NUL)',
      'headers.bad name: "bad name" is not a valid name here',
    ]);
    const proxy = problemsOf(() => resolveConfig({ proxy: 'https://user:hunter2@proxy:3128' }));
    expect(proxy).toEqual(['proxy must be an http:// URL of an HTTP CONNECT proxy, got "https://[redacted]@proxy:3128/"']);
    expect(JSON.stringify([secret, proxy])).not.toMatch(/hunter2|sk-live/);
    expect(problemsOf(() => resolveConfig({ headers: { 'x-ok': 'v', 'bad name': 'v' } }))).toEqual(['headers.bad name: "bad name" is not a valid name here']);
  });

  it('HTTP/2 streams per connection: 100 unless set, but for undici, whose pipelining (1) holds for HTTP/2 too', () => {
    expect(resolveConfig({ preset: 'httpx', httpVersion: 2 }).pool.pipelining).toBe(100);
    expect(resolveConfig({ preset: 'undici', httpVersion: 2 }).pool.pipelining).toBe(1);
    expect(resolveConfig({ preset: 'undici', httpVersion: 2, pool: { pipelining: 10 } }).pool.pipelining).toBe(10);
  });

  it('an invalid config never reaches the network', async () => {
    server = await startStatusServer(200);
    expect(() => new Engine(server!.url, { pool: { connections: -1 } })).toThrow(InvalidInputError);
    await new Promise((r) => setTimeout(r, 50));
    expect(server.connections()).toBe(0);
  });

  it('presets reproduce the documented defaults and overrides apply on top', () => {
    const httpx = resolveConfig('httpx', { env: {} });
    expect(httpx.pool).toMatchObject({ connections: 100, maxIdle: 20, keepAliveMs: 5000, honorKeepAliveHint: false });
    expect(httpx.timeouts).toMatchObject({ connect: 5000, read: 5000, write: 5000, pool: 5000 });
    const baseten = resolveConfig({ preset: 'baseten-recommended', pool: { connections: 512 } }, { env: {} });
    expect(baseten.pool).toMatchObject({ connections: 512, maxIdle: 128, keepAliveMs: 30_000 });
    expect(baseten.timeouts).toMatchObject({ connect: 10_000, read: 1_200_000, write: 30_000, pool: 10_000 });
    for (const name of PRESET_NAMES) {
      expect(PRESETS[name].source.length).toBeGreaterThan(20);
      expect(() => resolveConfig(name, { env: {} })).not.toThrow();
    }
  });

  it('takes the API key from the option, else BASETEN_API_KEY, else OPENAI_API_KEY, and redacts it', () => {
    expect(resolveConfig({}, { env: { OPENAI_API_KEY: 'sk-o', BASETEN_API_KEY: 'bt-1' } }).apiKey).toBe('bt-1');
    expect(resolveConfig({}, { env: { OPENAI_API_KEY: 'sk-o' } }).apiKey).toBe('sk-o');
    const config = resolveConfig(
      { apiKey: 'secret-key', headers: { Authorization: 'Bearer x', 'x-team': 'a' }, proxy: 'http://u:pw@127.0.0.1:3128' },
      { env: {} },
    );
    const shown = JSON.stringify(redactConfig(config));
    expect(shown).not.toContain('secret-key');
    expect(shown).not.toContain('Bearer x');
    expect(shown).not.toContain('pw@');
    expect(redactConfig(config).apiKey).toBe(REDACTED);
    expect(redactConfig(config).headers['x-team']).toBe('a');
  });

  it('HTTP/2 defaults to 100 streams per connection unless pipelining is set', () => {
    expect(resolveConfig({ httpVersion: 2 }, { env: {} }).pool.pipelining).toBe(100);
    expect(resolveConfig({ httpVersion: 2, pool: { pipelining: 8 } }, { env: {} }).pool.pipelining).toBe(8);
  });
});
