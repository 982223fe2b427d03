import type { AnthropicMessageParam } from '@gateway/contracts';
import { unsupportedSetting } from '../warnings.ts';
import type { ChatContentPart, ChatToolCall, TranslatedChatMessage } from './chat-message.ts';
import {
  hasCacheControl,
  imageBlockSchema,
  readBlock,
  textBlockSchema,
  toolResultBlockSchema,
  toolUseBlockSchema,
  type ImageBlock,
  type ToolResultBlock,
} from './content-blocks.ts';
import type { WarningList } from './warning-list.ts';

interface Context {
  provider: string;
  warnings: WarningList;
  /** Set when any block asked for a prompt-cache breakpoint; the caller warns once. */
  cacheControl: { seen: boolean };
}

/** Blocks of earlier answers that only Anthropic understands (extended thinking, server tools). */
const anthropicOnlyHistory = new Set([
  'thinking',
  'redacted_thinking',
  'server_tool_use',
  'web_search_tool_result',
  'web_fetch_tool_result',
  'code_execution_tool_result',
  'bash_code_execution_tool_result',
  'text_editor_code_execution_tool_result',
  'mcp_tool_use',
  'mcp_tool_result',
  'container_upload',
]);

/**
 * The conversation as OpenAI chat messages. A user turn's `tool_result` blocks become one `tool`
 * message each, in order and before the rest of that turn (OpenAI wants every tool answer right after
 * the assistant message that called the tools); an assistant turn's text and `tool_use` blocks become
 * one assistant message with `tool_calls`. What OpenAI cannot carry is dropped with a warning.
 */
export function conversationToChatMessages(messages: readonly AnthropicMessageParam[], context: Context): TranslatedChatMessage[] {
  const translated: TranslatedChatMessage[] = [];
  messages.forEach((message, position) => {
    const where = `messages.${position}`;
    if (message.role === 'user') translated.push(...userTurn(message.content, where, context));
    else {
      const assistant = assistantTurn(message.content, where, context);
      if (assistant) translated.push(assistant);
    }
  });
  return translated;
}

function userTurn(content: AnthropicMessageParam['content'], where: string, context: Context): TranslatedChatMessage[] {
  if (typeof content === 'string') return [{ role: 'user', content }];
  const toolMessages: TranslatedChatMessage[] = [];
  const parts: ChatContentPart[] = [];
  content.forEach((block, index) => {
    const blockWhere = `${where}.content.${index}`;
    if (hasCacheControl(block)) context.cacheControl.seen = true;
    switch (block.type) {
      case 'text':
        parts.push({ type: 'text', text: readBlock(textBlockSchema, block, blockWhere).text });
        break;
      case 'image': {
        const part = imagePart(readBlock(imageBlockSchema, block, blockWhere), context);
        if (part) parts.push(part);
        break;
      }
      case 'tool_result':
        toolMessages.push(toolMessage(readBlock(toolResultBlockSchema, block, blockWhere), context));
        break;
      default:
        dropBlock(block.type, context);
    }
  });
  const translated = toolMessages;
  if (parts.length > 0) translated.push({ role: 'user', content: userContent(parts) });
  return translated;
}

/** A lone text block is sent as a plain string: some OpenAI-compatible servers accept nothing else. */
function userContent(parts: ChatContentPart[]): string | ChatContentPart[] {
  const [only] = parts;
  return parts.length === 1 && only?.type === 'text' ? only.text : parts;
}

function imagePart(block: ImageBlock, context: Context): ChatContentPart | undefined {
  const { source } = block;
  if (source.type === 'base64') return { type: 'image_url', image_url: { url: `data:${source.media_type};base64,${source.data}` } };
  if (source.type === 'url') return { type: 'image_url', image_url: { url: source.url } };
  context.warnings.add(
    unsupportedSetting(context.provider, 'image file_id', 'images from the Anthropic Files API can only be read by Anthropic'),
  );
  return undefined;
}

/**
 * A tool result as a `tool` message. OpenAI tool messages carry text only (images in a result are
 * dropped with a warning) and have no error flag, so `is_error` is said in the text: the model then
 * reads "Error: …" where Anthropic would have told it the tool failed.
 */
function toolMessage(block: ToolResultBlock, context: Context): TranslatedChatMessage {
  let text = '';
  if (typeof block.content === 'string') text = block.content;
  else if (block.content) {
    const texts: string[] = [];
    for (const inner of block.content) {
      if (hasCacheControl(inner)) context.cacheControl.seen = true;
      if (inner.type === 'text' && typeof inner.text === 'string') texts.push(inner.text);
      else if (inner.type === 'image') {
        context.warnings.add(
          unsupportedSetting(context.provider, 'images in tool_result', 'OpenAI tool messages carry text only'),
        );
      } else dropBlock(`${inner.type} in tool_result`, context);
    }
    text = texts.join('\n\n');
  }
  if (block.is_error === true) text = text === '' ? 'Error' : `Error: ${text}`;
  return { role: 'tool', tool_call_id: block.tool_use_id, content: text };
}

function assistantTurn(
  content: AnthropicMessageParam['content'],
  where: string,
  context: Context,
): TranslatedChatMessage | undefined {
  if (typeof content === 'string') return { role: 'assistant', content };
  const texts: string[] = [];
  const toolCalls: ChatToolCall[] = [];
  content.forEach((block, index) => {
    const blockWhere = `${where}.content.${index}`;
    if (hasCacheControl(block)) context.cacheControl.seen = true;
    switch (block.type) {
      case 'text':
        texts.push(readBlock(textBlockSchema, block, blockWhere).text);
        break;
      case 'tool_use': {
        const toolUse = readBlock(toolUseBlockSchema, block, blockWhere);
        toolCalls.push({
          id: toolUse.id,
          type: 'function',
          function: { name: toolUse.name, arguments: JSON.stringify(toolUse.input ?? {}) },
        });
        break;
      }
      default:
        dropBlock(block.type, context);
    }
  });
  // A turn left with nothing (only thinking, say) is not sent: OpenAI refuses an empty assistant message.
  if (texts.length === 0 && toolCalls.length === 0) return undefined;
  const message: TranslatedChatMessage = { role: 'assistant', content: texts.length > 0 ? texts.join('\n\n') : null };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return message;
}

function dropBlock(type: string, context: Context): void {
  if (anthropicOnlyHistory.has(type)) {
    context.warnings.add({
      type: 'other',
      setting: 'messages',
      message: `${type} blocks of earlier answers were dropped: provider ${context.provider} speaks the OpenAI protocol, which cannot take them back`,
    });
    return;
  }
  context.warnings.add(unsupportedSetting(context.provider, `${type} content blocks`));
}
