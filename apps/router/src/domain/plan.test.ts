import { describe, expect, it } from 'vitest';
import { GatewayError, keyAllowsModel } from '@gateway/contracts';
import type { RoutingCatalog } from './catalog.ts';
import { planRequest } from './plan.ts';
import { weightedOrder } from './weighted-order.ts';

const catalog: RoutingCatalog = {
  providers: new Set(['openai-main', 'groq']),
  models: new Map([
    ['fast', { strategy: 'loadbalance', targets: [{ provider: 'openai-main', model: 'gpt-4o-mini', weight: 3 }, { provider: 'groq', model: 'llama', weight: 1 }] }],
    ['ordered', { strategy: 'fallback', targets: [{ provider: 'groq', model: 'a' }, { provider: 'openai-main', model: 'b' }] }],
    ['solo', { strategy: 'single', targets: [{ provider: 'groq', model: 'a' }, { provider: 'openai-main', model: 'b' }] }],
    ['orphan', { strategy: 'single', targets: [{ provider: 'gone', model: 'x' }] }],
  ]),
};
const key = { id: 'key_1' };

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof GatewayError) return error.code;
    throw error;
  }
  return 'no error';
}

describe('planRequest', () => {
  it('orders loadbalanced targets by weight', () => {
    const first = { 'openai-main': 0, groq: 0 } as Record<string, number>;
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let index = 0; index < 4000; index++) {
      const plan = planRequest({ requestId: 'r', model: 'fast', operation: 'chat', key }, catalog, random);
      expect(plan.targets).toHaveLength(2);
      first[plan.targets[0]!.provider]! += 1;
    }
    expect(first['openai-main']! / 4000).toBeGreaterThan(0.7);
    expect(first['openai-main']! / 4000).toBeLessThan(0.8);
  });

  it('keeps config order for fallback and one target for single', () => {
    expect(planRequest({ requestId: 'r', model: 'ordered', operation: 'chat', key }, catalog).targets.map((t) => t.model)).toEqual(['a', 'b']);
    expect(planRequest({ requestId: 'r', model: 'solo', operation: 'chat', key }, catalog).targets).toEqual([{ provider: 'groq', model: 'a' }]);
  });

  it('addresses a provider directly with provider/model, keeping slashes in the upstream name', () => {
    const plan = planRequest({ requestId: 'r', model: 'groq/meta-llama/llama-4', operation: 'chat', key }, catalog);
    expect(plan).toEqual({ model: 'groq/meta-llama/llama-4', strategy: 'single', targets: [{ provider: 'groq', model: 'meta-llama/llama-4' }] });
  });

  it('answers model_not_found for unknown models and providers', () => {
    expect(codeOf(() => planRequest({ requestId: 'r', model: 'nope', operation: 'chat', key }, catalog))).toBe('model_not_found');
    expect(codeOf(() => planRequest({ requestId: 'r', model: 'nobody/x', operation: 'chat', key }, catalog))).toBe('model_not_found');
    expect(codeOf(() => planRequest({ requestId: 'r', model: 'orphan', operation: 'chat', key }, catalog))).toBe('model_not_found');
  });

  it('enforces the key allow-list', () => {
    const limited = { id: 'k', models: ['ordered', 'groq/*'] };
    expect(codeOf(() => planRequest({ requestId: 'r', model: 'fast', operation: 'chat', key: limited }, catalog))).toBe('model_not_allowed');
    expect(codeOf(() => planRequest({ requestId: 'r', model: 'openai-main/gpt-4o', operation: 'chat', key: limited }, catalog))).toBe('model_not_allowed');
    expect(planRequest({ requestId: 'r', model: 'groq/x', operation: 'chat', key: limited }, catalog).targets[0]?.model).toBe('x');
    expect(planRequest({ requestId: 'r', model: 'ordered', operation: 'chat', key: limited }, catalog).strategy).toBe('fallback');
  });
});

describe('keyAllowsModel', () => {
  it('treats a missing list as everything', () => {
    expect(keyAllowsModel(undefined, 'anything')).toBe(true);
    expect(keyAllowsModel([], 'anything')).toBe(false);
  });
});

describe('weightedOrder', () => {
  it('puts zero-weight targets last and never drops any', () => {
    const order = weightedOrder([{ provider: 'a', model: 'm', weight: 0 }, { provider: 'b', model: 'm', weight: 1 }], () => 0.99);
    expect(order.map((target) => target.provider)).toEqual(['b', 'a']);
  });
});
