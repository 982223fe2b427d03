import { z } from 'zod';
import type { OpenAiUsage } from '@gateway/contracts';
import type { Usage } from '../types.ts';

/** Tolerant: some vendors leave out `total_tokens` or add their own fields. */
export const usageSchema = z.looseObject({
  prompt_tokens: z.number().nonnegative().optional(),
  completion_tokens: z.number().nonnegative().optional(),
  total_tokens: z.number().nonnegative().optional(),
  prompt_tokens_details: z.looseObject({ cached_tokens: z.number().nonnegative().nullable().optional() }).nullable().optional(),
  completion_tokens_details: z.looseObject({ reasoning_tokens: z.number().nonnegative().nullable().optional() }).nullable().optional(),
});
export type UpstreamUsage = z.infer<typeof usageSchema>;

/** OpenAI counts cached and reasoning tokens inside prompt and completion tokens, as Usage does. */
export function toUsage(usage: UpstreamUsage): Usage {
  const normalised: Usage = { inputTokens: usage.prompt_tokens ?? 0, outputTokens: usage.completion_tokens ?? 0 };
  const cached = usage.prompt_tokens_details?.cached_tokens;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  if (cached) normalised.cachedInputTokens = cached;
  if (reasoning) normalised.reasoningTokens = reasoning;
  return normalised;
}

/** The upstream usage with the three standard numbers always present. */
export function toOpenAiUsage(usage: UpstreamUsage): OpenAiUsage {
  const prompt = usage.prompt_tokens ?? 0;
  const completion = usage.completion_tokens ?? 0;
  return { ...usage, prompt_tokens: prompt, completion_tokens: completion, total_tokens: usage.total_tokens ?? prompt + completion };
}
