/**
 * The fault configuration in force, ready to apply: the seeded random sequence every probabilistic
 * choice draws from, a latency sampler per latency rule, each rate limit's token buckets, and the
 * completions' draws (llm.ts). It is
 * replaced whole when the faults change, so a new config starts a fresh sequence and fresh buckets.
 */
import { pathMatches, type FaultConfig, type FaultRule } from './faults.js';
import { LlmDraws } from './llm-draws.js';
import { latencySampler, seededRandom } from './random.js';
import { TokenBucket } from './token-bucket.js';

export type RuleOf<K extends FaultRule['kind']> = Extract<FaultRule, { kind: K }>;

export class ActiveFaults {
  /** The Keep-Alive header value to send, or null for none (computed once per config). */
  readonly keepAliveHeader: string | null;
  /** The completions' seeded times (faults.llm), one random stream per sequence. */
  readonly llm: LlmDraws;
  private readonly rand: () => number;
  private readonly samplers = new Map<FaultRule, () => number>();
  private readonly buckets = new Map<FaultRule, Map<string, TokenBucket>>();
  /** The rules of each kind present, in config order: a kind with none costs one lookup per request. */
  private readonly rulesByKind = new Map<FaultRule['kind'], FaultRule[]>();

  constructor(readonly config: FaultConfig) {
    this.rand = seededRandom(config.seed);
    this.llm = new LlmDraws(config.llm, config.seed);
    for (const rule of config.rules) {
      if (rule.kind === 'latency') this.samplers.set(rule, latencySampler(rule, this.rand));
      const same = this.rulesByKind.get(rule.kind);
      if (same) same.push(rule);
      else this.rulesByKind.set(rule.kind, [rule]);
    }
    const hint = config.keepAliveHint;
    this.keepAliveHeader = hint === true ? `timeout=${Math.floor(config.idleTimeoutMs / 1000)}` : hint === false ? null : `timeout=${hint}`;
  }

  /**
   * The first rule of `kind` that fires on `path`, in config order. A rule with a probability below 1
   * draws from the seeded sequence whenever it is considered, fired or not (only rules of `kind` are
   * considered, so grouping them by kind keeps the order of the draws).
   */
  firstRule<K extends FaultRule['kind']>(kind: K, path: string): RuleOf<K> | undefined {
    const rules = this.rulesByKind.get(kind);
    if (rules === undefined) return undefined;
    for (const rule of rules) if (this.fires(rule, path)) return rule as RuleOf<K>;
    return undefined;
  }

  /** A service time (ms) drawn from a latency rule's distribution. */
  sampleLatency(rule: RuleOf<'latency'>): number {
    return (this.samplers.get(rule) as () => number)();
  }

  /** The token bucket a rate-limit rule keeps for `key` (one for everyone, or one per client). */
  bucketFor(rule: RuleOf<'rate_limit'>, key: string, now: number): TokenBucket {
    let buckets = this.buckets.get(rule);
    if (!buckets) this.buckets.set(rule, (buckets = new Map()));
    let bucket = buckets.get(key);
    if (!bucket) buckets.set(key, (bucket = new TokenBucket(rule.rate, rule.burst, now)));
    return bucket;
  }

  private fires(rule: FaultRule, path: string): boolean {
    if (!pathMatches(rule.path, path)) return false;
    const p = rule.probability ?? 1;
    return p >= 1 || this.rand() < p;
  }
}
