/** SpinBudget: how many waits a second may end in setImmediate turns for a share of a core (the counting only; arrival-sockets and latency-precision test the waits on real sockets). */
import { describe, expect, it } from 'vitest';
import { EARLY_MS, SpinBudget } from '../../src/util/index.js';

describe('SpinBudget', () => {
  it('allows waits while a second holds at most share × 1000 / EARLY_MS of them, and again once the rate falls', () => {
    const budget = new SpinBudget(0.25);
    const most = Math.floor((0.25 * 1000) / EARLY_MS); // 166: each wait's turns take up to EARLY_MS
    for (let i = 0; i < most; i++) budget.note(1000 + i);
    expect(budget.affordable).toBe(true);
    budget.note(1000 + most);
    expect(budget.affordable).toBe(false);
    // The next second is judged by the busy one before it too, then by itself.
    budget.note(2100);
    expect(budget.affordable).toBe(false);
    budget.note(3200);
    expect(budget.affordable).toBe(true);
  });
});
