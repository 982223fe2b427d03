import type { FinishReason, UnifiedFinishReason } from '../types.ts';

/** Converse `stopReason` values. */
const unifiedByRaw: Record<string, UnifiedFinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  guardrail_intervened: 'content_filter',
  content_filtered: 'content_filter',
};

export function unifyFinishReason(raw: string | null | undefined): FinishReason {
  if (raw === null || raw === undefined) return { unified: 'other', raw: null };
  return { unified: unifiedByRaw[raw] ?? 'other', raw };
}

/**
 * With response_format json_schema travelling as a tool, a turn that only called that tool answered
 * with content: it stopped, it did not ask for a tool.
 */
export function structuredFinish(reason: FinishReason, onlyStructuredOutput: boolean): FinishReason {
  return onlyStructuredOutput && reason.unified === 'tool_calls' ? { unified: 'stop', raw: reason.raw } : reason;
}
