import { z } from 'zod';
import type { Usage } from '../types.ts';

/** Anthropic's `usage`, read tolerantly: the cache fields may be absent or null, new fields may appear. */
export const upstreamUsageSchema = z.looseObject({
  input_tokens: z.number().nonnegative().nullable().optional(),
  output_tokens: z.number().nonnegative().nullable().optional(),
  cache_creation_input_tokens: z.number().nonnegative().nullable().optional(),
  cache_read_input_tokens: z.number().nonnegative().nullable().optional(),
});
export type UpstreamUsage = z.infer<typeof upstreamUsageSchema>;

/**
 * Anthropic's `input_tokens` excludes the tokens read from or written to the prompt cache; the gateway's
 * `inputTokens` counts every input token, so the three are added up and the cache parts kept apart.
 */
export function toUsage(usage: UpstreamUsage): Usage {
  const uncached = usage.input_tokens ?? 0;
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const cacheWrite = usage.cache_creation_input_tokens ?? 0;
  const normalised: Usage = { inputTokens: uncached + cacheRead + cacheWrite, outputTokens: usage.output_tokens ?? 0 };
  if (cacheRead > 0) normalised.cachedInputTokens = cacheRead;
  if (cacheWrite > 0) normalised.cacheWriteInputTokens = cacheWrite;
  return normalised;
}

/** Later stream events repeat or extend the usage of `message_start`: present numbers replace earlier ones. */
export function mergeUsage(earlier: UpstreamUsage, later: UpstreamUsage): UpstreamUsage {
  const merged: UpstreamUsage = { ...earlier };
  for (const [key, value] of Object.entries(later)) {
    if (value !== null && value !== undefined) merged[key] = value;
  }
  return merged;
}
