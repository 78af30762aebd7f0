import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/index.js';
import { loadScenario, resolveScenario, scenarioJsonSchema } from '../../../src/runner/index.js';

function problems(input: unknown): readonly string[] {
  try {
    resolveScenario(input, 'bad.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toContain('scenario bad.yaml');
    return (err as InvalidInputError).problems;
  }
  throw new Error('expected the scenario to be rejected');
}

const minimal = {
  name: 'x',
  workload: { kind: 'embed' },
  load: { model: 'open', rate: 10, durationS: 1 },
  profiles: [{ name: 'a' }],
};

describe('scenario files', () => {
  it('every bundled scenario is valid, and the committed JSON Schema is the generated one', async () => {
    for (const name of ['quickstart', 'pool-exhaustion', 'new-client-per-request', 'connection-refused', 'dead-keepalive', 'rate-limit-429', 'timeouts', 'hedging-tail', 'http2-vs-http1']) {
      const s = await loadScenario(`scenarios/${name}.yaml`);
      expect(s.profiles.length).toBeGreaterThanOrEqual(2);
    }
    const committed = JSON.parse(await readFile('scenarios/scenario.schema.json', 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(scenarioJsonSchema())));
  });

  it('names the path and the problem of every mistake at once', () => {
    expect(
      problems({
        name: 'bad name!',
        workload: { kind: 'embedd', inputsPerRequest: 0 },
        load: { model: 'open', rate: 0 },
        profiles: [{ name: 'a', pool: { connections: 0 } }, { name: 'a', preset: 'requests' }],
        extra: 1,
      }),
    ).toEqual([
      'name is not valid (letters, digits, . _ -), got "bad name!"',
      'workload.kind must be one of embed, rerank, classify, batchPost, stream, request, got "embedd"',
      'workload.inputsPerRequest must be an integer in 1..100000, got 0',
      'load.rate must be a number in 0.001..1000000, got 0',
      // A profile's client options are the engine's own declaration, checked with the rest of the file.
      'profiles[0].pool.connections must be an integer in 1..65535 or null, got 0',
      'profiles[1].preset must be one of httpx, aiohttp, undici, fetch, openai-python, openai-node, baseten-recommended, baseten-performance-client, got "requests"',
      'extra is not a known field (known: $schema, name, description, target, workload, load, warmup, phases, profiles, slo, metricDefinitions, gate)',
    ]);
  });

  it('checks what belongs together, and client configs through their own validation', () => {
    expect(problems({ ...minimal, load: { model: 'closed' } })).toEqual(['load.users is required for model closed']);
    expect(problems({ ...minimal, load: { model: 'closed', users: 2 } })).toEqual(['load needs durationS or requests (how long to run)']);
    expect(problems({ ...minimal, profiles: [{ name: 'a', pool: { conections: 4, keepAliveMS: 10 } }] })).toEqual([
      'profiles[0].pool.conections is not a known field (did you mean connections?)',
      'profiles[0].pool.keepAliveMS is not a known field (did you mean keepAliveMs?)',
    ]);
    // What only the resolved config can tell (a preset's read clock and the profile's body timeout) names the profile.
    expect(problems({ ...minimal, profiles: [{ name: 'a', preset: 'httpx', timeouts: { body: 500 } }] })[0]).toMatch(/^profiles\[0\]\.timeouts\.body is undici's bodyTimeout/);
    expect(problems({ ...minimal, profiles: [{ name: 'a', client: { maxRetries: 2, hedgeDelayS: 0 } }] })).toEqual([
      "profiles[0].client.maxRetries is not allowed (now retry.maxRetries: the client config's retry settings, which its preset fills in)",
      'profiles[0].client.hedgeDelayS must be a number in 0.001..30 or null, got 0',
    ]);
    expect(problems({ ...minimal, profiles: [{ name: 'a', extends: 'b' }] })).toEqual(['profiles[0].extends must name another profile of this scenario, got "b"']);
    expect(problems({ ...minimal, profiles: [{ name: 'a', extends: 'b' }, { name: 'b', extends: 'a' }] })).toEqual([
      'profiles[0].extends goes round in a circle: a -> b -> a',
      'profiles[1].extends goes round in a circle: b -> a -> b',
    ]);
    expect(problems({ ...minimal, target: { mock: { faults: { rules: [{ kind: 'latency', dist: 'fixed' }] } } } })).toEqual([
      'target.mock.faults.rules[0].ms is required for dist fixed',
    ]);
  });

  it('profiles extend each other and start from presets', () => {
    const s = resolveScenario({
      ...minimal,
      profiles: [
        { name: 'base', preset: 'httpx', pool: { connections: 50 } },
        { name: 'child', extends: 'base', timeouts: { read: 900 }, client: { hedgeDelayS: 0.1 } },
      ],
    });
    const child = s.profiles[1]!;
    expect(child.config.pool.connections).toBe(50);
    expect(child.config.pool.maxIdle).toBe(20); // from httpx
    expect(child.config.timeouts.read).toBe(900);
    expect(child.client.hedgeDelayS).toBe(0.1);
    expect(s.workload.path).toBe('/v1/embeddings');
  });
});
