import type { AnthropicStopReason, AnthropicUsage } from '@gateway/contracts';

/** The Anthropic content blocks the translation produces: only these shapes. */
export type TextBlock = { type: 'text'; text: string };
export type ToolUseBlock = { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };
/** `signature` is empty: only Anthropic can sign thinking, and the client may not send it back anyway. */
export type ThinkingBlock = { type: 'thinking'; thinking: string; signature: string };
export type TranslatedBlock = TextBlock | ToolUseBlock | ThinkingBlock;

export type TranslatedUsage = AnthropicUsage & { cache_creation_input_tokens: number; cache_read_input_tokens: number };

export type TranslatedMessage = {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: TranslatedBlock[];
  stop_reason: AnthropicStopReason;
  stop_sequence: null;
  usage: TranslatedUsage;
};
