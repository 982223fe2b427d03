import { z } from 'zod';
import type { OpenAiUsage } from '@gateway/contracts';
import type { Usage } from '../types.ts';

/** Tolerant: some vendors leave out `total_tokens` or add their own fields. */
export const usageSchema = z.looseObject({
  prompt_tokens: z.number().nonnegative().optional(),
  completion_tokens: z.number().nonnegative().optional(),
  total_tokens: z.number().nonnegative().optional(),
});
export type UpstreamUsage = z.infer<typeof usageSchema>;

export function toUsage(usage: UpstreamUsage): Usage {
  return { inputTokens: usage.prompt_tokens ?? 0, outputTokens: usage.completion_tokens ?? 0 };
}

/** The upstream usage with the three standard numbers always present. */
export function toOpenAiUsage(usage: UpstreamUsage): OpenAiUsage {
  const prompt = usage.prompt_tokens ?? 0;
  const completion = usage.completion_tokens ?? 0;
  return { ...usage, prompt_tokens: prompt, completion_tokens: completion, total_tokens: usage.total_tokens ?? prompt + completion };
}
