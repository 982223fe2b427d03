import type { AnthropicStopReason } from '@gateway/contracts';
import type { FinishReason } from '../types.ts';

/**
 * The Anthropic stop reason of a translated answer. OpenAI does not say which stop sequence ended an
 * answer (nor whether one did), so "stop" is always `end_turn` with `stop_sequence` null. An answer
 * holding tool calls is `tool_use` even when the upstream said "stop", as some OpenAI-compatible
 * servers do: Anthropic clients run tools only on `tool_use`.
 */
export function toStopReason(finishReason: FinishReason, hasToolUse: boolean): AnthropicStopReason {
  switch (finishReason.unified) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    case 'stop':
    case 'error':
    case 'other':
      return hasToolUse ? 'tool_use' : 'end_turn';
  }
}
