import { GatewayError, type AnthropicMessagesRequest, type ChatCompletionRequest } from '@gateway/contracts';
import type { Warning } from '../types.ts';
import { unsupportedSetting } from '../warnings.ts';
import type { TranslatedChatMessage } from './chat-message.ts';
import { hasCacheControl, readBlock, textBlockSchema } from './content-blocks.ts';
import { conversationToChatMessages } from './conversation-to-chat-messages.ts';
import { toolChoiceToChatToolChoice, toolsToChatTools } from './tools-to-chat-tools.ts';
import { WarningList } from './warning-list.ts';

/** Top-level fields the translation reads; any other one is reported, not sent. */
const translatedFields = new Set([
  'model',
  'messages',
  'max_tokens',
  'system',
  'stream',
  'temperature',
  'top_p',
  'top_k',
  'stop_sequences',
  'tools',
  'tool_choice',
  'metadata',
  'thinking',
]);

/**
 * An Anthropic Messages request as an OpenAI chat request, for upstreams that speak only OpenAI's
 * protocol, with a warning for everything that could not be carried over. `model` is the client's (the
 * caller puts the upstream's in its place) and `stream` is left out: the caller decides how it calls.
 */
export function messagesToChatRequest(
  request: AnthropicMessagesRequest,
  options: { provider: string },
): { request: ChatCompletionRequest; warnings: Warning[] } {
  const { provider } = options;
  const warnings = new WarningList();
  const cacheControl = { seen: false };

  const messages: TranslatedChatMessage[] = [];
  const system = systemText(request.system, cacheControl);
  if (system !== undefined) messages.push({ role: 'system', content: system });
  const conversation = conversationToChatMessages(request.messages, { provider, warnings, cacheControl });
  if (conversation.length === 0) {
    throw new GatewayError('invalid_request', 'messages: nothing is left to send once unsupported content blocks are dropped', {
      param: 'messages',
    });
  }
  messages.push(...conversation);
  if (request.messages.at(-1)?.role === 'assistant') {
    warnings.add({
      type: 'other',
      setting: 'messages',
      message: `the conversation ends with an assistant turn (prefill): provider ${provider} speaks the OpenAI protocol, which does not reliably continue it, so the answer may start afresh`,
    });
  }

  const chat: ChatCompletionRequest = { model: request.model, messages, max_tokens: request.max_tokens };
  if (request.temperature !== undefined) chat.temperature = request.temperature;
  if (request.top_p !== undefined) chat.top_p = request.top_p;
  if (request.top_k !== undefined) warnings.add(unsupportedSetting(provider, 'top_k'));
  if (request.stop_sequences !== undefined && request.stop_sequences.length > 0) chat.stop = request.stop_sequences;
  translateTools(request, chat, { provider, warnings, cacheControl });
  translateMetadata(request.metadata, chat, provider, warnings);
  translateThinking(request.thinking, chat, provider, warnings);
  for (const field of Object.keys(request)) {
    if (!translatedFields.has(field)) warnings.add(unsupportedSetting(provider, field));
  }
  if (cacheControl.seen) {
    warnings.add({
      type: 'other',
      setting: 'cache_control',
      message: `cache_control was dropped: provider ${provider} speaks the OpenAI protocol, which has no cache breakpoints (any prompt caching it does is automatic)`,
    });
  }
  return { request: chat, warnings: warnings.list() };
}

/** The system prompt as one string: text blocks joined with blank lines, as they read. */
function systemText(system: AnthropicMessagesRequest['system'], cacheControl: { seen: boolean }): string | undefined {
  if (system === undefined) return undefined;
  if (typeof system === 'string') return system === '' ? undefined : system;
  const texts = system.map((block, index) => {
    if (hasCacheControl(block)) cacheControl.seen = true;
    return readBlock(textBlockSchema, block, `system.${index}`).text;
  });
  return texts.length === 0 ? undefined : texts.join('\n\n');
}

function translateTools(
  request: AnthropicMessagesRequest,
  chat: ChatCompletionRequest,
  context: { provider: string; warnings: WarningList; cacheControl: { seen: boolean } },
): void {
  const tools = request.tools ? toolsToChatTools(request.tools, context) : [];
  if (tools.length > 0) chat.tools = tools;
  const choice = request.tool_choice;
  if (!choice) return;
  if (choice.type === 'tool' && !choice.name) {
    throw new GatewayError('invalid_request', 'tool_choice.name is required when tool_choice.type is "tool"', {
      param: 'tool_choice.name',
    });
  }
  if (tools.length === 0) {
    // OpenAI refuses tool_choice without tools; "auto" and "none" then mean what sending nothing means.
    if (choice.type === 'any' || choice.type === 'tool') {
      context.warnings.add(unsupportedSetting(context.provider, 'tool_choice', 'no client tool is left to call'));
    }
    return;
  }
  chat.tool_choice = toolChoiceToChatToolChoice(choice);
  if (choice.disable_parallel_tool_use === true) chat.parallel_tool_calls = false;
}

function translateMetadata(
  metadata: AnthropicMessagesRequest['metadata'],
  chat: ChatCompletionRequest,
  provider: string,
  warnings: WarningList,
): void {
  if (!metadata) return;
  for (const [field, value] of Object.entries(metadata)) {
    if (field === 'user_id') {
      if (typeof value === 'string') chat.user = value;
    } else warnings.add(unsupportedSetting(provider, `metadata.${field}`));
  }
}

/**
 * Extended thinking. OpenAI takes an effort level, not a token budget, so a budget is sent as
 * `reasoning_effort`: below 4096 tokens "low", below 16384 "medium", from there "high" (Anthropic's
 * minimum budget is 1024; its examples use 10000 to 32000). The approximation is reported. An upstream
 * model that does not reason may refuse `reasoning_effort`; that is its answer to give.
 */
function translateThinking(thinking: unknown, chat: ChatCompletionRequest, provider: string, warnings: WarningList): void {
  if (thinking === undefined || thinking === null) return;
  const config = typeof thinking === 'object' ? (thinking as Record<string, unknown>) : {};
  if (config.type === 'disabled') return;
  const budget = config.budget_tokens;
  if (config.type === 'enabled' && typeof budget === 'number') {
    const effort = budget < 4096 ? 'low' : budget < 16384 ? 'medium' : 'high';
    chat.reasoning_effort = effort;
    warnings.add({
      type: 'other',
      setting: 'thinking',
      message: `thinking.budget_tokens ${budget} was sent as reasoning_effort "${effort}": provider ${provider} speaks the OpenAI protocol, which takes an effort level, not a token budget`,
    });
    return;
  }
  warnings.add(unsupportedSetting(provider, 'thinking', 'only a thinking budget can be translated (to reasoning_effort)'));
}
