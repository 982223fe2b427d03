import { describe, expect, it } from 'vitest';
import type { ExecutorClock } from './clock.ts';
import { createRetryBudget } from './retry-budget.ts';

function clockAt(start: number): ExecutorClock & { time: number } {
  const clock = {
    time: start,
    now: () => clock.time,
    setTimer: () => ({ clear: () => undefined }),
  };
  return clock;
}

describe('retry budget', () => {
  it('allows the minimum plus 20 % of the requests in the window, then refuses', () => {
    const clock = clockAt(1_000_000);
    const budget = createRetryBudget({ ratio: 0.2, minRetriesPerSecond: 1, windowMs: 10_000 }, clock);
    for (let count = 0; count < 20; count += 1) budget.recordRequest('p/m');
    const allowed = Array.from({ length: 20 }, () => budget.tryRetry('p/m')).filter(Boolean).length;
    expect(allowed).toBe(14); // 1/s × 10 s + 0.2 × 20
    // Another deployment has its own budget.
    expect(budget.tryRetry('q/m')).toBe(true);
    // A window later the spent retries are forgotten.
    clock.time += 10_001;
    expect(budget.tryRetry('p/m')).toBe(true);
  });

  it('forgets deployments idle for a whole window, so clients cannot grow it without bound', () => {
    const clock = clockAt(5_000_000);
    const budget = createRetryBudget({}, clock);
    for (let index = 0; index < 1000; index += 1) budget.recordRequest(`provider/model-${index}`);
    expect(budget.size).toBe(1000);
    clock.time += 20_000;
    budget.recordRequest('provider/live');
    expect(budget.size).toBe(1);
  });
});
