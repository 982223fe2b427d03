import type { FinishReason, UnifiedFinishReason } from '../types.ts';

/** Anthropic's `stop_reason`s (https://docs.anthropic.com/en/api/handling-stop-reasons). */
const unifiedByStopReason: Record<string, UnifiedFinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
  pause_turn: 'other',
};

/**
 * The unified reason, with Anthropic's value kept raw. `asText` is set when the only tool called is
 * the one that carries a `response_format: json_schema` answer: for the client that is a plain stop.
 */
export function unifyStopReason(raw: string | null | undefined, asText = false): FinishReason {
  if (raw === null || raw === undefined) return { unified: 'other', raw: null };
  if (asText && raw === 'tool_use') return { unified: 'stop', raw };
  return { unified: unifiedByStopReason[raw] ?? 'other', raw };
}
