import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GatewayError } from '@gateway/contracts';
import { createMemoryStore, type KeyValueStore } from '@gateway/kv';
import { budgetPeriodAt } from './budget-period.ts';
import { KeyLimiter, LimitExceededError, spendKey, type Admission, type LimitedKey } from './key-limiter.ts';

const noLimits = { rpmLimit: null, tpmLimit: null, maxParallel: null, budget: null };

function key(limits: Partial<LimitedKey['limits']> = {}, modelLimits: LimitedKey['modelLimits'] = null, id = 'key_test'): LimitedKey {
  return { id, limits: { ...noLimits, ...limits }, modelLimits };
}

let requestCounter = 0;
const input = (limited: LimitedKey, estimates: { tokens?: number; usd?: number; model?: string } = {}) => ({
  key: limited,
  model: estimates.model ?? null,
  requestId: `req_${++requestCounter}`,
  tokenEstimate: estimates.tokens ?? 0,
  costEstimateUsd: estimates.usd ?? 0,
});

async function refusal(promise: Promise<unknown>): Promise<LimitExceededError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LimitExceededError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('key limiter on the memory store', () => {
  let store: KeyValueStore;
  // 2030-03-10 12:00:30 UTC: 30 s into a minute window, half a day to the day's end.
  const start = new Date('2030-03-10T12:00:30.000Z');

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(start);
    store = createMemoryStore();
  });
  afterEach(async () => {
    await store.close();
    vi.useRealTimers();
  });

  it('admits exactly the requests a budget covers out of 50 concurrent ones, and never overspends', async () => {
    const limiter = new KeyLimiter({ store });
    const limited = key({ budget: { maxUsd: 1, period: 'daily' } });
    const outcomes = await Promise.allSettled(Array.from({ length: 50 }, () => limiter.admit(input(limited, { usd: 0.1 }))));
    const admitted = outcomes.filter((outcome) => outcome.status === 'fulfilled').map((outcome) => (outcome as PromiseFulfilledResult<Admission>).value);
    expect(admitted).toHaveLength(10);
    for (const outcome of outcomes.filter((outcome) => outcome.status === 'rejected')) {
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(LimitExceededError);
    }
    // Settled below the estimate: the released reservations make room again.
    for (const admission of admitted) expect(await limiter.settle(admission, { tokens: 10, costUsd: 0.05 })).toBe(true);
    const period = budgetPeriodAt('daily', start);
    expect(await store.get(spendKey('key_test', null, period))).toBe(String(0.5 * 1e9));
    const more = await Promise.allSettled(Array.from({ length: 20 }, () => limiter.admit(input(limited, { usd: 0.1 }))));
    expect(more.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(5);
  });

  it('answers a spent budget with the period, its end as Retry-After, and the budget as a quota in cents', async () => {
    const limiter = new KeyLimiter({ store });
    const limited = key({ budget: { maxUsd: 0.5, period: 'daily' } });
    const admission = await limiter.admit(input(limited, { usd: 0.5 }));
    expect(admission!.headers).toEqual({ 'ratelimit-limit': '50', 'ratelimit-remaining': '0', 'ratelimit-reset': String(12 * 3600 - 30) });
    const error = await refusal(limiter.admit(input(limited)));
    expect(error.status).toBe(429);
    expect(error.code).toBe('rate_limited');
    expect(error.param).toBe('budget');
    expect(error.message).toContain('$0.5 per day (daily, UTC)');
    expect(error.message).toContain('2030-03-11T00:00:00.000Z');
    expect(error.retryAfterSeconds).toBe(12 * 3600 - 30);
    expect(error.rateLimitHeaders).toMatchObject({ 'ratelimit-limit': '50', 'ratelimit-remaining': '0' });
  });

  it('counts requests per fixed minute window and renews it at the minute', async () => {
    const limiter = new KeyLimiter({ store });
    const limited = key({ rpmLimit: 2 });
    const first = await limiter.admit(input(limited));
    expect(first!.headers).toEqual({ 'ratelimit-limit': '2', 'ratelimit-remaining': '1', 'ratelimit-reset': '30' });
    await limiter.admit(input(limited));
    const error = await refusal(limiter.admit(input(limited)));
    expect(error.param).toBe('rpm_limit');
    expect(error.retryAfterSeconds).toBe(30);
    expect(error.rateLimitHeaders).toEqual({ 'ratelimit-limit': '2', 'ratelimit-remaining': '0', 'ratelimit-reset': '30' });
    vi.setSystemTime(new Date('2030-03-10T12:01:00.000Z'));
    expect((await limiter.admit(input(limited)))!.headers['ratelimit-remaining']).toBe('1');
  });

  it('reserves estimated tokens and settles them to the actual count', async () => {
    const limiter = new KeyLimiter({ store });
    const limited = key({ tpmLimit: 1000 });
    const admission = await limiter.admit(input(limited, { tokens: 800 }));
    expect(admission!.headers['ratelimit-remaining']).toBe('200');
    expect((await refusal(limiter.admit(input(limited, { tokens: 300 })))).param).toBe('tpm_limit');
    await limiter.settle(admission!, { tokens: 100, costUsd: null });
    const next = await limiter.admit(input(limited, { tokens: 300 }));
    expect(next!.headers['ratelimit-remaining']).toBe('600');
  });

  it('lets one request larger than the whole TPM limit through an empty window only', async () => {
    const limiter = new KeyLimiter({ store });
    const limited = key({ tpmLimit: 100 });
    await limiter.admit(input(limited, { tokens: 500 }));
    expect((await refusal(limiter.admit(input(limited, { tokens: 1 })))).param).toBe('tpm_limit');
  });

  it('limits requests in flight, releases a slot once however often it is settled', async () => {
    const limiter = new KeyLimiter({ store });
    const limited = key({ maxParallel: 2 });
    const first = await limiter.admit(input(limited));
    await limiter.admit(input(limited));
    const error = await refusal(limiter.admit(input(limited)));
    expect(error.param).toBe('max_parallel');
    expect(error.retryAfterSeconds).toBe(1);
    expect(await limiter.settle(first!, { tokens: 0, costUsd: null })).toBe(true);
    expect(await limiter.settle(first!, { tokens: 0, costUsd: null })).toBe(false);
    const third = await limiter.admit(input(limited));
    expect(third!.headers['ratelimit-remaining']).toBe('0');
    await refusal(limiter.admit(input(limited)));
  });

  it('forgets slots that are never released one to two epochs later, even under constant traffic', async () => {
    const limiter = new KeyLimiter({ store, inFlightEpochMs: 60_000 });
    const limited = key({ maxParallel: 1, rpmLimit: 1000 });
    await limiter.admit(input(limited));
    vi.setSystemTime(new Date(start.getTime() + 60_000));
    await refusal(limiter.admit(input(limited)));
    vi.setSystemTime(new Date(start.getTime() + 120_000));
    const admitted = await limiter.admit(input(limited));
    expect(admitted!.headers['ratelimit-remaining']).toBe('0');
  });

  it('settles the actual cost into the period it was reserved in, not twice', async () => {
    const limiter = new KeyLimiter({ store });
    const limited = key({ budget: { maxUsd: 10, period: 'monthly' } });
    const admission = await limiter.admit(input(limited, { usd: 2 }));
    await limiter.settle(admission!, { tokens: 5, costUsd: 1.25 });
    await limiter.settle(admission!, { tokens: 5, costUsd: 1.25 });
    expect(await store.get(spendKey('key_test', null, budgetPeriodAt('monthly', start)))).toBe('1250000000');
  });

  it('applies a model’s limits on top of the key’s, naming the model in refusals', async () => {
    const limiter = new KeyLimiter({ store });
    const limited = key({ rpmLimit: 100 }, { fast: { rpmLimit: 1 } });
    await limiter.admit(input(limited, { model: 'fast' }));
    const error = await refusal(limiter.admit(input(limited, { model: 'fast' })));
    expect(error.param).toBe('model_limits.fast.rpm_limit');
    expect(error.message).toContain('model "fast"');
    // Another model only meets the key's limits (the refused request counted nowhere); the tightest quota is in the headers.
    const other = await limiter.admit(input(limited, { model: 'slow' }));
    expect(other!.headers).toMatchObject({ 'ratelimit-limit': '100', 'ratelimit-remaining': '98' });
  });

  it('a refused request reserves nothing in any scope', async () => {
    const limiter = new KeyLimiter({ store });
    const limited = key({ rpmLimit: 5 }, { fast: { maxParallel: 0 } });
    await refusal(limiter.admit(input(limited, { model: 'fast' })));
    const admitted = await limiter.admit(input(limited));
    expect(admitted!.headers['ratelimit-remaining']).toBe('4');
  });

  it('asks nothing of the store for a key without limits; refuses a limited key with 503 when there is no store', async () => {
    const limiter = new KeyLimiter({ store: undefined });
    expect(await limiter.admit(input(key()))).toBeUndefined();
    expect(await limiter.admit(input(key({}, { fast: { rpmLimit: 1 } }), { model: 'slow' }))).toBeUndefined();
    const error = await limiter.admit(input(key({ rpmLimit: 1 }))).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe('dependency_unavailable');
  });
});
