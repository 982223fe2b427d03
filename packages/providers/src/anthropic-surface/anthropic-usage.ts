import type { Usage } from '../types.ts';
import type { TranslatedUsage } from './anthropic-blocks.ts';

/**
 * Usage as Anthropic counts it: its `input_tokens` are only the tokens neither read from nor written
 * to the cache, where the gateway's `inputTokens` counts them all.
 */
export function toAnthropicUsage(usage: Usage): TranslatedUsage {
  const cacheRead = usage.cachedInputTokens ?? 0;
  const cacheWrite = usage.cacheWriteInputTokens ?? 0;
  return {
    input_tokens: Math.max(0, usage.inputTokens - cacheRead - cacheWrite),
    output_tokens: usage.outputTokens,
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
  };
}
