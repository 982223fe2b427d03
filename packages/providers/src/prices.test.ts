import { describe, expect, it } from 'vitest';
import { costUsd, priceFor } from './prices.ts';

describe('price catalog', () => {
  it('knows common models of the supported vendors', () => {
    expect(priceFor('openai', 'gpt-4o-mini')).toEqual({ inputPerMillion: 0.15, outputPerMillion: 0.6 });
    expect(priceFor('openai', 'text-embedding-3-small')).toEqual({ inputPerMillion: 0.02, outputPerMillion: 0 });
    expect(priceFor('groq', 'llama-3.3-70b-versatile')).toEqual({ inputPerMillion: 0.59, outputPerMillion: 0.79 });
    expect(priceFor('mistral', 'mistral-large-latest')).toEqual({ inputPerMillion: 2, outputPerMillion: 6 });
    expect(priceFor('deepseek', 'deepseek-chat')).toEqual({ inputPerMillion: 0.27, outputPerMillion: 1.1 });
  });

  it('prices a dated snapshot like its model unless the snapshot is listed', () => {
    expect(priceFor('openai', 'gpt-4o-mini-2024-07-18')).toEqual(priceFor('openai', 'gpt-4o-mini'));
    expect(priceFor('openai', 'gpt-4o-2024-05-13')).toEqual({ inputPerMillion: 5, outputPerMillion: 15 });
  });

  it('has no price for what it does not know', () => {
    expect(priceFor('openai', 'my-fine-tune')).toBeUndefined();
    expect(priceFor('openai', 'constructor')).toBeUndefined();
    expect(priceFor('ollama', 'llama3.2')).toBeUndefined();
    expect(priceFor('anthropic', 'claude-sonnet-9')).toBeUndefined();
    expect(priceFor('bedrock', 'anthropic.claude-sonnet-9-20990101-v1:0')).toBeUndefined();
  });

  it('knows Anthropic, Gemini and Bedrock models, dated snapshots and inference profiles', () => {
    const opus = { inputPerMillion: 15, outputPerMillion: 75, cachedInputPerMillion: 1.5, cacheWriteInputPerMillion: 18.75 };
    const sonnet = { inputPerMillion: 3, outputPerMillion: 15, cachedInputPerMillion: 0.3, cacheWriteInputPerMillion: 3.75 };
    const haiku45 = { inputPerMillion: 1, outputPerMillion: 5, cachedInputPerMillion: 0.1, cacheWriteInputPerMillion: 1.25 };
    const haiku35 = { inputPerMillion: 0.8, outputPerMillion: 4, cachedInputPerMillion: 0.08, cacheWriteInputPerMillion: 1 };
    const anthropicIds: Array<[string, object]> = [
      ['claude-opus-4-1-20250805', opus],
      ['claude-opus-4-20250514', opus],
      ['claude-opus-4-0', opus],
      ['claude-sonnet-4-5-20250929', sonnet],
      ['claude-sonnet-4-5', sonnet],
      ['claude-sonnet-4-20250514', sonnet],
      ['claude-3-7-sonnet-20250219', sonnet],
      ['claude-3-7-sonnet-latest', sonnet],
      ['claude-haiku-4-5-20251001', haiku45],
      ['claude-3-5-haiku-20241022', haiku35],
      ['claude-3-5-haiku-latest', haiku35],
    ];
    for (const [model, expected] of anthropicIds) expect(priceFor('anthropic', model), model).toEqual(expected);
    const bedrockIds: Array<[string, object]> = [
      ['anthropic.claude-opus-4-1-20250805-v1:0', opus],
      ['anthropic.claude-opus-4-20250514-v1:0', opus],
      ['anthropic.claude-sonnet-4-5-20250929-v1:0', sonnet],
      ['us.anthropic.claude-sonnet-4-5-20250929-v1:0', sonnet],
      ['global.anthropic.claude-sonnet-4-5-20250929-v1:0', sonnet],
      ['anthropic.claude-sonnet-4-20250514-v1:0', sonnet],
      ['eu.anthropic.claude-3-7-sonnet-20250219-v1:0', sonnet],
      ['anthropic.claude-haiku-4-5-20251001-v1:0', haiku45],
      ['anthropic.claude-3-5-haiku-20241022-v1:0', haiku35],
      ['amazon.nova-pro-v1:0', { inputPerMillion: 0.8, outputPerMillion: 3.2 }],
    ];
    for (const [model, expected] of bedrockIds) expect(priceFor('bedrock', model), model).toEqual(expected);
    expect(priceFor('gemini', 'gemini-2.5-flash')).toEqual({ inputPerMillion: 0.3, outputPerMillion: 2.5, cachedInputPerMillion: 0.075 });
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
