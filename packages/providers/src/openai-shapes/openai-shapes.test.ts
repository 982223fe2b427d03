import { describe, expect, it } from 'vitest';
import { openAiFinishReason } from './finish-reason.ts';
import { toOpenAiUsage } from './usage.ts';

describe('shared OpenAI shapes', () => {
  it('gives the details objects only when they hold cached or reasoning tokens', () => {
    expect(toOpenAiUsage({ inputTokens: 10, outputTokens: 5 })).toEqual({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 });
    expect(toOpenAiUsage({ inputTokens: 10, outputTokens: 5, cachedInputTokens: 0, reasoningTokens: 0 })).toEqual({
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
    });
    expect(toOpenAiUsage({ inputTokens: 10, outputTokens: 5, cachedInputTokens: 4, cacheWriteInputTokens: 2, reasoningTokens: 3 })).toEqual({
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
      prompt_tokens_details: { cached_tokens: 4 },
      completion_tokens_details: { reasoning_tokens: 3 },
    });
  });

  it('names OpenAI finish reasons, stop for other and error, none when the upstream gave none', () => {
    expect(openAiFinishReason({ unified: 'tool_calls', raw: 'tool_use' })).toBe('tool_calls');
    expect(openAiFinishReason({ unified: 'length', raw: 'MAX_TOKENS' })).toBe('length');
    expect(openAiFinishReason({ unified: 'other', raw: 'pause_turn' })).toBe('stop');
    expect(openAiFinishReason({ unified: 'error', raw: 'MALFORMED_FUNCTION_CALL' })).toBe('stop');
    expect(openAiFinishReason({ unified: 'other', raw: null })).toBeNull();
  });
});
