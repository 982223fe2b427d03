import type { AnthropicMessagesRequest } from '@gateway/contracts';
import { unsupportedSetting } from '../warnings.ts';
import type { WarningList } from './warning-list.ts';

export type ChatTool = {
  type: 'function';
  function: { name: string; description?: string; parameters: Record<string, unknown>; strict?: boolean };
};

export type ChatToolChoice = 'auto' | 'required' | 'none' | { type: 'function'; function: { name: string } };

/** Tool fields that have an OpenAI counterpart, or that are said elsewhere (cache_control). */
const knownToolFields = new Set(['name', 'description', 'input_schema', 'type', 'strict', 'cache_control']);

/**
 * Client tools become OpenAI functions. Server tools (`web_search_20250305`, `bash_20250124`, …) run
 * inside Anthropic's API: an OpenAI-protocol provider has nothing to run them with, so they are dropped
 * with a warning.
 */
export function toolsToChatTools(
  tools: NonNullable<AnthropicMessagesRequest['tools']>,
  context: { provider: string; warnings: WarningList; cacheControl: { seen: boolean } },
): ChatTool[] {
  const translated: ChatTool[] = [];
  for (const tool of tools) {
    if (tool.type !== undefined && tool.type !== 'custom') {
      context.warnings.add(unsupportedSetting(context.provider, `server tool ${tool.type}`, 'only Anthropic runs server tools'));
      continue;
    }
    if (tool.cache_control !== undefined && tool.cache_control !== null) context.cacheControl.seen = true;
    for (const field of Object.keys(tool)) {
      if (!knownToolFields.has(field)) context.warnings.add(unsupportedSetting(context.provider, `tools.${field}`));
    }
    const chatTool: ChatTool = {
      type: 'function',
      // Anthropic requires input_schema on client tools; an absent one still means "no arguments".
      function: { name: tool.name, parameters: tool.input_schema ?? { type: 'object', properties: {} } },
    };
    if (tool.description !== undefined) chatTool.function.description = tool.description;
    if (typeof tool.strict === 'boolean') chatTool.function.strict = tool.strict;
    translated.push(chatTool);
  }
  return translated;
}

export function toolChoiceToChatToolChoice(choice: NonNullable<AnthropicMessagesRequest['tool_choice']>): ChatToolChoice {
  switch (choice.type) {
    case 'auto':
      return 'auto';
    case 'any':
      return 'required';
    case 'none':
      return 'none';
    case 'tool':
      return { type: 'function', function: { name: choice.name ?? '' } };
  }
}
