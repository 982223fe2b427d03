import { describe, expect, it } from 'vitest';
import { UsageReader, usageDialectOf } from './usage-reader.ts';

function read(dialect: 'openai' | 'anthropic' | 'gemini', ...bodies: unknown[]) {
  const reader = new UsageReader(dialect);
  for (const body of bodies) reader.observe(body);
  return reader.usage();
}

describe('UsageReader', () => {
  it('reads OpenAI chat usage with cached and reasoning tokens', () => {
    const body = {
      object: 'chat.completion',
      usage: {
        prompt_tokens: 120,
        completion_tokens: 40,
        total_tokens: 160,
        prompt_tokens_details: { cached_tokens: 100 },
        completion_tokens_details: { reasoning_tokens: 30 },
      },
    };
    expect(read('openai', body)).toEqual({ inputTokens: 120, outputTokens: 40, cachedInputTokens: 100, reasoningTokens: 30 });
  });

  it('reads the Responses API usage, also from its response.completed event', () => {
    const usage = { input_tokens: 50, input_tokens_details: { cached_tokens: 10 }, output_tokens: 20, output_tokens_details: { reasoning_tokens: 5 }, total_tokens: 70 };
    const expected = { inputTokens: 50, outputTokens: 20, cachedInputTokens: 10, reasoningTokens: 5 };
    expect(read('openai', { object: 'response', usage })).toEqual(expected);
    expect(read('openai', { type: 'response.created', response: { usage: null } }, { type: 'response.completed', response: { usage } })).toEqual(expected);
  });

  it('reads embeddings usage as input only', () => {
    expect(read('openai', { object: 'list', usage: { prompt_tokens: 8, total_tokens: 8 } })).toEqual({ inputTokens: 8, outputTokens: 0 });
  });

  it('adds Anthropic cache reads and writes to the input, across message_start and message_delta', () => {
    const start = {
      type: 'message_start',
      message: { usage: { input_tokens: 10, cache_read_input_tokens: 200, cache_creation_input_tokens: 50, output_tokens: 1 } },
    };
    const delta = { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 42 } };
    expect(read('anthropic', start, delta)).toEqual({ inputTokens: 260, outputTokens: 42, cachedInputTokens: 200, cacheWriteInputTokens: 50 });
  });

  it('reads Gemini usageMetadata, thoughts counted as output', () => {
    const chunk = (candidates: number) => ({
      candidates: [],
      usageMetadata: { promptTokenCount: 12, candidatesTokenCount: candidates, thoughtsTokenCount: 6, cachedContentTokenCount: 4 },
    });
    expect(read('gemini', chunk(3), chunk(9))).toEqual({ inputTokens: 12, outputTokens: 15, cachedInputTokens: 4, reasoningTokens: 6 });
  });

  it('says nothing when the answer states no usage', () => {
    expect(read('openai', { object: 'list', data: [] }, 'text', null)).toBeUndefined();
    expect(read('anthropic', { type: 'message_batch', request_counts: {} })).toBeUndefined();
  });

  it('picks the dialect from the provider type', () => {
    expect(usageDialectOf('anthropic')).toBe('anthropic');
    expect(usageDialectOf('gemini')).toBe('gemini');
    expect(usageDialectOf('groq')).toBe('openai');
    expect(usageDialectOf(undefined)).toBe('openai');
  });
});
