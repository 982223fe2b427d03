import { describe, expect, it } from 'vitest';
import { costUsd, priceFor } from './prices.ts';

describe('price catalog', () => {
  it('knows common models of the supported vendors', () => {
    expect(priceFor('openai', 'gpt-4o-mini')).toEqual({ inputPerMillion: 0.15, outputPerMillion: 0.6 });
    expect(priceFor('openai', 'text-embedding-3-small')).toEqual({ inputPerMillion: 0.02, outputPerMillion: 0 });
    expect(priceFor('groq', 'llama-3.3-70b-versatile')).toBeDefined();
    expect(priceFor('mistral', 'mistral-large-latest')).toBeDefined();
    expect(priceFor('deepseek', 'deepseek-chat')).toBeDefined();
  });

  it('prices a dated snapshot like its model unless the snapshot is listed', () => {
    expect(priceFor('openai', 'gpt-4o-mini-2024-07-18')).toEqual(priceFor('openai', 'gpt-4o-mini'));
    expect(priceFor('openai', 'gpt-4o-2024-05-13')).toEqual({ inputPerMillion: 5, outputPerMillion: 15 });
  });

  it('has no price for what it does not know', () => {
    expect(priceFor('openai', 'my-fine-tune')).toBeUndefined();
    expect(priceFor('openai', 'constructor')).toBeUndefined();
    expect(priceFor('ollama', 'llama3.2')).toBeUndefined();
    expect(priceFor('anthropic', 'claude-sonnet-4')).toBeUndefined();
  });

  it('knows Anthropic, Gemini and Bedrock models, dated snapshots and inference profiles', () => {
    expect(priceFor('anthropic', 'claude-sonnet-4-5-20250929')).toEqual(priceFor('anthropic', 'claude-sonnet-4-5'));
    expect(priceFor('gemini', 'gemini-2.5-flash')?.cachedInputPerMillion).toBe(0.075);
    expect(priceFor('bedrock', 'us.anthropic.claude-sonnet-4-20250514-v1:0')).toEqual(priceFor('bedrock', 'anthropic.claude-sonnet-4-20250514-v1:0'));
    expect(priceFor('bedrock', 'us.anthropic.claude-sonnet-4-20250514-v1:0')).toBeDefined();
  });

  it('prices cached input and cache writes at their own prices, the rest at the input price', () => {
    const price = { inputPerMillion: 3, outputPerMillion: 15, cachedInputPerMillion: 0.3, cacheWriteInputPerMillion: 3.75 };
    // 1000 input of which 600 read from cache and 100 written to it; 200 output.
    const usage = { inputTokens: 1000, outputTokens: 200, cachedInputTokens: 600, cacheWriteInputTokens: 100 };
    expect(costUsd(price, usage)).toBeCloseTo((300 * 3 + 600 * 0.3 + 100 * 3.75 + 200 * 15) / 1e6, 12);
    // Without cache prices, every input token costs the input price.
    expect(costUsd({ inputPerMillion: 3, outputPerMillion: 15 }, usage)).toBeCloseTo((1000 * 3 + 200 * 15) / 1e6, 12);
  });

  it('computes the cost of usage', () => {
    expect(costUsd({ inputPerMillion: 2.5, outputPerMillion: 10 }, { inputTokens: 1000, outputTokens: 500 })).toBeCloseTo(0.0075, 10);
    expect(costUsd({ inputPerMillion: 1, outputPerMillion: 1 }, { inputTokens: 0, outputTokens: 0 })).toBe(0);
  });
});
