import type { Usage } from '../types.ts';
import type { GeminiUsageMetadata } from './wire.ts';

/**
 * Gemini counts thoughts apart from the answer (`thoughtsTokenCount`) and tool-use prompts apart from
 * the prompt (`toolUsePromptTokenCount`); the normalised usage folds each into its side, so that
 * `outputTokens` includes reasoning and `inputTokens` includes cached tokens, as the spec says.
 */
export function toUsage(metadata: GeminiUsageMetadata | undefined): Usage {
  const reasoning = metadata?.thoughtsTokenCount ?? 0;
  const cached = metadata?.cachedContentTokenCount ?? 0;
  const usage: Usage = {
    inputTokens: (metadata?.promptTokenCount ?? 0) + (metadata?.toolUsePromptTokenCount ?? 0),
    outputTokens: (metadata?.candidatesTokenCount ?? 0) + reasoning,
  };
  if (cached > 0) usage.cachedInputTokens = cached;
  if (reasoning > 0) usage.reasoningTokens = reasoning;
  return usage;
}
