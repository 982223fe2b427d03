import { describe, expect, it } from 'vitest';
import type { Plan } from '@gateway/contracts';
import type { ProviderCatalog } from '../config-cache/provider-catalog.ts';
import { defaultOutputTokenEstimate, estimateCostUsd, estimateTokens } from './request-estimate.ts';

const catalog = {
  adapters: new Map(),
  providerTypes: new Map([['openai-main', 'openai']]),
  modelPrices: new Map(),
  modelNames: new Set(),
  models: [],
  unavailable: new Map(),
} as unknown as ProviderCatalog;

describe('request estimates', () => {
  it('reserves the named output limit, else a generous default', () => {
    expect(estimateTokens({ max_tokens: 10 }, 400, 'chat')).toEqual({ inputTokens: 100, outputTokens: 10 });
    expect(estimateTokens({ max_completion_tokens: 7, max_tokens: 10 }, 4, 'chat')).toEqual({ inputTokens: 1, outputTokens: 7 });
    expect(estimateTokens({}, 8, 'chat')).toEqual({ inputTokens: 2, outputTokens: defaultOutputTokenEstimate });
    expect(estimateTokens({}, 8, 'embeddings')).toEqual({ inputTokens: 2, outputTokens: 0 });
  });

  it('prices the most expensive target, its own price first, and twice for a hedged plan', () => {
    const plan: Plan = {
      model: 'smart',
      strategy: 'fallback',
      targets: [
        { provider: 'openai-main', model: 'gpt-4o-mini' },
        { provider: 'openai-main', model: 'custom', price: { inputPerMillion: 10, outputPerMillion: 20 } },
      ],
    };
    const tokens = { inputTokens: 1_000_000, outputTokens: 1_000_000 };
    expect(estimateCostUsd(catalog, plan, tokens)).toBeCloseTo(30, 9);
    expect(estimateCostUsd(catalog, { ...plan, hedge: { afterMs: 100 } }, tokens)).toBeCloseTo(60, 9);
    expect(estimateCostUsd(catalog, { ...plan, targets: [{ provider: 'unknown', model: 'x' }] }, tokens)).toBe(0);
  });
});
