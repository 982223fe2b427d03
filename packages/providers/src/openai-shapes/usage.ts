import type { OpenAiUsage } from '@gateway/contracts';
import type { Usage } from '../types.ts';

/**
 * Normalised usage → OpenAI's `usage`, the same for every translating adapter: the details objects
 * appear when they say something (`prompt_tokens_details.cached_tokens` when tokens were read from a
 * prompt cache, `completion_tokens_details.reasoning_tokens` when tokens were spent on reasoning).
 */
export function toOpenAiUsage(usage: Usage): OpenAiUsage {
  const cached = usage.cachedInputTokens ?? 0;
  const reasoning = usage.reasoningTokens ?? 0;
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    ...(cached > 0 && { prompt_tokens_details: { cached_tokens: cached } }),
    ...(reasoning > 0 && { completion_tokens_details: { reasoning_tokens: reasoning } }),
  };
}
