import type { FinishReason, UnifiedFinishReason } from '../types.ts';

/** OpenAI's finish reasons and the variants OpenAI-compatible vendors send. */
const unifiedByRaw: Record<string, UnifiedFinishReason> = {
  stop: 'stop',
  eos: 'stop',
  end_turn: 'stop',
  stop_sequence: 'stop',
  length: 'length',
  model_length: 'length',
  max_tokens: 'length',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
  content_filter: 'content_filter',
  error: 'error',
};

export function unifyFinishReason(raw: string | null | undefined): FinishReason {
  if (raw === null || raw === undefined) return { unified: 'other', raw: null };
  return { unified: unifiedByRaw[raw] ?? 'other', raw };
}
