import { GatewayError } from '@gateway/contracts';
import type { ChatMessage } from '@gateway/contracts';
import type { PendingImages } from '../images/pending-images.ts';
import type { ConverseContentBlock, ConverseImageFormat, ConverseMessage, ConverseToolResultContent } from './converse-types.ts';

/**
 * OpenAI chat messages → Converse `system` and `messages`:
 * - system and developer messages become `system` text blocks (Converse has no system turn, so one
 *   given mid-conversation moves to the top);
 * - user text and images (data URLs decoded, http(s) URLs fetched through the image fetcher once the
 *   request is accepted, see PendingImages) become content blocks; other content parts (audio, files)
 *   are refused;
 * - assistant tool calls become `toolUse` blocks with their arguments parsed;
 * - `tool` messages become `toolResult` blocks in a user turn;
 * - consecutive turns of one role are merged into one, as Converse wants them to alternate.
 * A last assistant message is sent as it is: Converse continues it (a prefill) for the models that
 * support that (Anthropic's); for others Bedrock answers with a ValidationException the client sees.
 */

export interface ConverseConversation {
  system: Array<{ text: string }>;
  messages: ConverseMessage[];
}

export interface MessageMappingOptions {
  provider: string;
  images: PendingImages;
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(message: string): GatewayError {
  return new GatewayError('invalid_request', message, { param: 'messages' });
}

const imageFormats: Record<string, ConverseImageFormat> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

/** The text of a system, assistant or tool message: a string or its text parts joined. */
function textOf(content: ChatMessage['content'], role: string, provider: string): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  return content
    .map((part) => {
      if ((part.type === 'text' || part.type === 'refusal') && typeof (part.text ?? part.refusal) === 'string') {
        return String(part.text ?? part.refusal);
      }
      throw invalid(`provider ${provider} cannot take content parts of type ${part.type} in ${role} messages`);
    })
    .join('');
}

function imageBlock(part: Json, options: MessageMappingOptions): ConverseContentBlock {
  const image = part.image_url;
  const url = typeof image === 'string' ? image : isRecord(image) && typeof image.url === 'string' ? image.url : undefined;
  if (url === undefined) throw invalid('image_url parts need an image_url.url');
  // Filled in when the bytes are there: at once for a data URL, when the images load for a remote one.
  const block = { image: { format: 'png' as ConverseImageFormat, source: { bytes: '' } } };
  options.images.add(url, ({ mediaType, data }) => {
    const format = imageFormats[mediaType.toLowerCase()];
    if (!format) {
      throw invalid(`provider ${options.provider} takes png, jpeg, gif and webp images, not ${mediaType.slice(0, 60)}`);
    }
    block.image.format = format;
    block.image.source.bytes = data.toString('base64');
  });
  return block;
}

function userBlocks(content: ChatMessage['content'], options: MessageMappingOptions): ConverseContentBlock[] {
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') return content.length > 0 ? [{ text: content }] : [];
  const blocks: ConverseContentBlock[] = [];
  for (const part of content) {
    if (part.type === 'text' && typeof part.text === 'string') {
      // Converse refuses blank text blocks; an empty part says nothing anyway.
      if (part.text.length > 0) blocks.push({ text: part.text });
    } else if (part.type === 'image_url') {
      blocks.push(imageBlock(part, options));
    } else {
      throw invalid(`provider ${options.provider} cannot take content parts of type ${part.type} in user messages`);
    }
  }
  return blocks;
}

function toolUseBlocks(toolCalls: unknown): ConverseContentBlock[] {
  if (toolCalls === undefined || toolCalls === null) return [];
  if (!Array.isArray(toolCalls)) throw invalid('tool_calls must be an array');
  return toolCalls.map((call: unknown) => {
    const fn = isRecord(call) && isRecord(call.function) ? call.function : undefined;
    if (!isRecord(call) || typeof call.id !== 'string' || !fn || typeof fn.name !== 'string') {
      throw invalid('every tool call needs an id and a function name');
    }
    const argumentsText = typeof fn.arguments === 'string' ? fn.arguments : '';
    let input: unknown = {};
    if (argumentsText.trim().length > 0) {
      try {
        input = JSON.parse(argumentsText);
      } catch {
        throw invalid(`the arguments of tool call ${call.id.slice(0, 64)} are not valid JSON`);
      }
    }
    return { toolUse: { toolUseId: call.id, name: fn.name, input } };
  });
}

/** A tool's output: a JSON object is given as `json` (models read it as structured data), anything else as text. */
function toolResultContent(text: string): ConverseToolResultContent[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (isRecord(parsed)) return [{ json: parsed }];
    } catch {
      // Not JSON after all: sent as text.
    }
  }
  return [{ text }];
}

export function converseConversation(messages: ChatMessage[], options: MessageMappingOptions): ConverseConversation {
  const system: Array<{ text: string }> = [];
  const turns: ConverseMessage[] = [];
  const append = (role: ConverseMessage['role'], content: ConverseContentBlock[]): void => {
    if (content.length === 0) return;
    const last = turns.at(-1);
    if (last?.role === role) last.content.push(...content);
    else turns.push({ role, content });
  };

  for (const message of messages) {
    switch (message.role) {
      case 'system':
      case 'developer': {
        const text = textOf(message.content, message.role, options.provider);
        if (text.length > 0) system.push({ text });
        break;
      }
      case 'user':
        append('user', userBlocks(message.content, options));
        break;
      case 'assistant': {
        const text = textOf(message.content, message.role, options.provider);
        append('assistant', [...(text.length > 0 ? [{ text }] : []), ...toolUseBlocks(message.tool_calls)]);
        break;
      }
      case 'tool': {
        if (typeof message.tool_call_id !== 'string') throw invalid('tool messages need a tool_call_id');
        const text = textOf(message.content, message.role, options.provider);
        append('user', [{ toolResult: { toolUseId: message.tool_call_id, content: toolResultContent(text) } }]);
        break;
      }
      default:
        throw invalid(`provider ${options.provider} cannot take ${message.role} messages; use tool messages`);
    }
  }
  return { system, messages: turns };
}

/** Whether the conversation holds tool calls or results (Converse then needs the tools declared). */
export function hasToolBlocks(messages: ConverseMessage[]): boolean {
  return messages.some((message) => message.content.some((block) => 'toolUse' in block || 'toolResult' in block));
}

/** The names of the tools the conversation called, each once, in order of first call. */
export function calledToolNames(messages: ConverseMessage[]): string[] {
  const names = new Set<string>();
  for (const message of messages) {
    for (const block of message.content) if ('toolUse' in block) names.add(block.toolUse.name);
  }
  return [...names];
}
