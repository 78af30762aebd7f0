/** The closed loop (./harness.ts) on quickstart, llm-streaming. */
import { describe } from 'vitest';
import { closedLoopTests } from './checks.js';

describe('the closed loop: each finding fires on the problem, stays quiet on the fix, and its change verifiably fixes it', () => closedLoopTests('quickstart-streams'));
