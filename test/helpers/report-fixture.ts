import { resolveScenario, runScenario, type Report } from '../../src/runner/index.js';

/**
 * A small real report: three profiles (one hedging early, so races are lost), a phase that turns on
 * errors (a fault window), hostile text in descriptions.
 */
export async function makeReport(): Promise<Report> {
  return runScenario(
    resolveScenario({
      name: 'fixture',
      target: { mock: { faults: { rules: [{ kind: 'latency', dist: 'lognormal', medianMs: 5, p99Ms: 40 }] } } },
      workload: { kind: 'embed', inputsPerRequest: 2 },
      load: { model: 'open', rate: 150, durationS: 2.2 },
      phases: [{ atS: 1, name: 'errors </script><b>on</b>', faults: { rules: [{ kind: 'status', status: 503, probability: 0.3 }] } }],
      profiles: [
        { name: 'plain', description: '<script>window.pwned = 1</script><img src=x onerror="window.pwned=2">' },
        { name: 'pooled', preset: 'httpx', description: '"</script><script>window.pwned=3</script>' },
        { name: 'hedged', preset: 'httpx', client: { hedgeDelayS: 0.003, hedgeBudgetPct: 1 } },
      ],
    }),
  );
}

/** A small real report of LLM streams: time to first token and the gaps between tokens, per interval. */
export async function makeStreamReport(): Promise<Report> {
  return runScenario(
    resolveScenario({
      name: 'streams',
      target: { mock: { faults: { llm: { ttft: { dist: 'fixed', ms: 40 }, itl: { dist: 'fixed', ms: 10 } } } } },
      workload: { kind: 'stream', maxTokens: 8 },
      load: { model: 'open', rate: 10, durationS: 2 },
      profiles: [{ name: 'stream', preset: 'httpx' }],
    }),
  );
}
