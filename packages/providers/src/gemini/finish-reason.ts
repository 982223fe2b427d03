import type { FinishReason, UnifiedFinishReason } from '../types.ts';

/** Gemini's `Candidate.FinishReason` values; STOP with function calls is a tool-call finish. */
const unifiedByRaw: Record<string, UnifiedFinishReason> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
  MALFORMED_FUNCTION_CALL: 'error',
};

export function geminiFinishReason(raw: string | null | undefined, calledFunctions: boolean): FinishReason {
  if (raw === null || raw === undefined) return { unified: 'other', raw: null };
  const unified = unifiedByRaw[raw] ?? 'other';
  return { unified: unified === 'stop' && calledFunctions ? 'tool_calls' : unified, raw };
}

/** A prompt Gemini refused to answer (`promptFeedback.blockReason`): content filtered, the reason kept. */
export function blockedPromptFinishReason(blockReason: string): FinishReason {
  return { unified: 'content_filter', raw: blockReason };
}
