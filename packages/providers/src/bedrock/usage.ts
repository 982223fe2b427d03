import { z } from 'zod';
import type { Usage } from '../types.ts';

/** Converse `TokenUsage`, read tolerantly. */
export const converseUsageSchema = z.looseObject({
  inputTokens: z.number().nonnegative().optional(),
  outputTokens: z.number().nonnegative().optional(),
  totalTokens: z.number().nonnegative().optional(),
  cacheReadInputTokens: z.number().nonnegative().optional(),
  cacheWriteInputTokens: z.number().nonnegative().optional(),
});
export type ConverseUsage = z.infer<typeof converseUsageSchema>;

/**
 * Bedrock counts `inputTokens` apart from the tokens read from and written to the prompt cache (as
 * Anthropic does; `totalTokens` is the sum of all four), so the gateway's `inputTokens`, which counts
 * every input token, is their sum, and the cache counts say which part of it was cached.
 */
export function toUsage(usage: ConverseUsage): Usage {
  const cacheRead = usage.cacheReadInputTokens;
  const cacheWrite = usage.cacheWriteInputTokens;
  return {
    inputTokens: (usage.inputTokens ?? 0) + (cacheRead ?? 0) + (cacheWrite ?? 0),
    outputTokens: usage.outputTokens ?? 0,
    ...(cacheRead !== undefined && { cachedInputTokens: cacheRead }),
    ...(cacheWrite !== undefined && { cacheWriteInputTokens: cacheWrite }),
  };
}
