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

  it('computes the cost of usage', () => {
    expect(costUsd({ inputPerMillion: 2.5, outputPerMillion: 10 }, { inputTokens: 1000, outputTokens: 500 })).toBeCloseTo(0.0075, 10);
    expect(costUsd({ inputPerMillion: 1, outputPerMillion: 1 }, { inputTokens: 0, outputTokens: 0 })).toBe(0);
  });
});
