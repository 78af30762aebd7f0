/**
 * A scenario whose headers ask the embedded mock for a fault it would refuse (x-tailgate-fault-status: 1000
 * once took the mock down mid-run; now the mock answers 400): refused when the scenario is read, by path,
 * before anything is sent, with the mock's own wording for the header.
 */
import { describe, expect, it } from 'vitest';
import { faultHeaderProblems } from '../../mock-server/index.js';
import { InvalidInputError } from '../../src/engine/index.js';
import { resolveScenario } from '../../src/runner/index.js';

const base = { name: 'h', workload: { kind: 'embed' }, load: { model: 'open', rate: 5, durationS: 1 } };

function problemsOfScenario(raw: object): string[] {
  try {
    resolveScenario(raw);
  } catch (err) {
    if (err instanceof InvalidInputError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('fault headers in a scenario', () => {
  it('a value the mock would refuse is named at its path, in the mock’s words, for the target and for a profile', () => {
    const problems = problemsOfScenario({
      ...base,
      target: { headers: { 'X-Tailgate-Fault-Status': '1000' } },
      profiles: [{ name: 'a' }, { name: 'b', headers: { 'x-tailgate-fault-connection': 'explode', 'x-tailgate-fault-delay-ms': 'soon' } }],
    });
    const mockSays = (headers: Record<string, string>) => faultHeaderProblems(headers);
    expect(problems).toEqual(
      expect.arrayContaining([
        ...mockSays({ 'x-tailgate-fault-status': '1000' }).map((p) => `target.headers.${p}`),
        ...mockSays({ 'x-tailgate-fault-connection': 'explode', 'x-tailgate-fault-delay-ms': 'soon' }).map((p) => `profiles[1].headers.${p}`),
      ]),
    );
    expect(problems.some((p) => p.startsWith('target.headers.x-tailgate-fault-status'))).toBe(true);
    expect(problems.filter((p) => p.startsWith('profiles[1].headers.'))).toHaveLength(2);
  });

  it('fault headers the mock accepts, and other headers, pass', () => {
    expect(problemsOfScenario({ ...base, target: { headers: { 'x-tailgate-fault-status': '503', 'x-tailgate-fault-retry-after': '2', 'x-other': 'whatever' } }, profiles: [{ name: 'a' }] })).toEqual([]);
  });
});
