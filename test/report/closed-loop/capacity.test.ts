/** The closed loop (./harness.ts) on pool-exhaustion, port-exhaustion, http2-vs-http1, new-client-per-request. */
import { describe } from 'vitest';
import { closedLoopTests } from './checks.js';

describe('the closed loop: each finding fires on the problem, stays quiet on the fix, and its change verifiably fixes it', () => closedLoopTests('capacity'));
