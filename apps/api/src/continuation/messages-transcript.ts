import type { AnthropicMessageParam, AnthropicMessagesRequest, AnthropicStreamEvent } from '@gateway/contracts';
import type { MessagesStreamPart, Usage } from '@gateway/providers';
import type { Transcript } from './continued-stream.ts';
import { LeadingWhitespace, prefillOf, remainingCap } from './continuation-policy.ts';

type EventPart = Extract<MessagesStreamPart, { type: 'event' }>;

/**
 * The Anthropic surface's transcript: the content blocks the client got. A follow-up's events continue
 * the same message: no second `message_start`; its first text block continues the open text block (same
 * index) or, when that block was closed, opens the next index; its `message_delta` usage counts the
 * whole answer (the broken stream's output estimated).
 */
export class MessagesTranscript implements Transcript<MessagesStreamPart, AnthropicMessagesRequest> {
  private text = '';
  private started = false;
  private plain = true;
  private finished = false;
  /** Content blocks the client got: type and whether it is still open, by index. */
  private readonly blocks: Array<{ type: string; open: boolean }> = [];
  private leading = new LeadingWhitespace(false);
  /** Index shift from the follow-up's blocks to the client's, fixed by the follow-up's first block. */
  private offset: number | undefined;

  constructor(private readonly request: AnthropicMessagesRequest) {}

  /** Extended thinking cannot be combined with an assistant prefill. */
  static applies(request: AnthropicMessagesRequest): boolean {
    const thinking = (request as { thinking?: { type?: unknown } }).thinking;
    return thinking?.type !== 'enabled';
  }

  observe(part: MessagesStreamPart): void {
    if (part.type !== 'event') return;
    const data = part.event.data;
    const index = typeof data.index === 'number' ? data.index : -1;
    switch (data.type) {
      case 'message_start':
        this.started = true;
        break;
      case 'content_block_start': {
        const type = String((data.content_block as { type?: unknown } | undefined)?.type);
        this.blocks[index] = { type, open: true };
        if (type !== 'text') this.plain = false;
        break;
      }
      case 'content_block_delta': {
        const delta = data.delta as { type?: unknown; text?: unknown } | undefined;
        if (delta?.type === 'text_delta' && typeof delta.text === 'string') this.text += delta.text;
        else this.plain = false;
        break;
      }
      case 'content_block_stop': {
        const block = this.blocks[index];
        if (block) block.open = false;
        break;
      }
      case 'message_delta':
      case 'message_stop':
        this.finished = true;
        break;
      default:
        break;
    }
  }

  continuable(): boolean {
    return this.started && this.plain && !this.finished;
  }

  textLength(): number {
    return this.text.length;
  }

  followUp(): AnthropicMessagesRequest {
    const { prefill, trimmed } = prefillOf(this.text);
    this.leading = new LeadingWhitespace(trimmed);
    if (prefill.length === 0) return this.request;
    const messages: AnthropicMessageParam[] = [...this.request.messages];
    const last = messages.at(-1);
    // The client's own prefill comes first in the answer, then what the broken stream produced.
    if (last?.role === 'assistant') {
      const content = typeof last.content === 'string' ? [{ type: 'text', text: last.content }] : last.content;
      messages[messages.length - 1] = { ...last, content: trimTrailing([...content, { type: 'text', text: prefill }]) };
    } else {
      messages.push({ role: 'assistant', content: prefill });
    }
    return { ...this.request, messages, max_tokens: remainingCap(this.request.max_tokens, this.text.length) };
  }

  startContinuation(): void {
    this.offset = undefined;
  }

  adapt(part: EventPart, brokenUsage: (followUpInputTokens: number) => Usage): MessagesStreamPart[] {
    const data = part.event.data;
    switch (data.type) {
      case 'message_start':
        return [];
      case 'content_block_start': {
        const index = Number(data.index);
        const type = (data.content_block as { type?: unknown } | undefined)?.type;
        if (this.offset === undefined) {
          const openIndex = this.blocks.findLastIndex((block) => block?.open === true);
          const open = this.blocks[openIndex];
          if (open?.type === 'text' && type === 'text') {
            // The first text continues the block the client has open.
            this.offset = openIndex - index;
            return [];
          }
          const closing = open ? [eventPart('content_block_stop', { type: 'content_block_stop', index: openIndex })] : [];
          this.offset = this.blocks.length - index;
          return [...closing, this.shifted(part)];
        }
        return [this.shifted(part)];
      }
      case 'content_block_delta': {
        const delta = data.delta as { type?: unknown; text?: unknown } | undefined;
        if (delta?.type === 'text_delta' && typeof delta.text === 'string') {
          const text = this.leading.cut(delta.text);
          if (text.length === 0) return [];
          return [this.shifted(eventPart('content_block_delta', { ...data, delta: { ...delta, text } }))];
        }
        return [this.shifted(part)];
      }
      case 'content_block_stop':
        return [this.shifted(part)];
      case 'message_delta': {
        const usage = data.usage as { input_tokens?: unknown; output_tokens?: unknown } | undefined;
        if (!usage) return [part];
        const reportedInput = typeof usage.input_tokens === 'number' ? usage.input_tokens : 0;
        const broken = brokenUsage(reportedInput);
        const counted: Record<string, unknown> = { ...usage, output_tokens: Number(usage.output_tokens ?? 0) + broken.outputTokens };
        if (typeof usage.input_tokens === 'number') counted.input_tokens = usage.input_tokens + broken.inputTokens;
        return [eventPart('message_delta', { ...data, usage: counted })];
      }
      default:
        return [part];
    }
  }

  private shifted(part: EventPart): EventPart {
    const data = part.event.data;
    if (typeof data.index !== 'number') return part;
    return eventPart(part.event.event, { ...data, index: data.index + (this.offset ?? 0) });
  }
}

function eventPart(event: string, data: AnthropicStreamEvent['data']): EventPart {
  return { type: 'event', event: { event, data } };
}

/** Anthropic refuses a final assistant turn ending in whitespace: the last text block is trimmed. */
function trimTrailing(content: Array<{ type: string; [field: string]: unknown }>): Array<{ type: string; [field: string]: unknown }> {
  const last = content.at(-1);
  if (last?.type !== 'text' || typeof last.text !== 'string') return content;
  return [...content.slice(0, -1), { ...last, text: last.text.trimEnd() }];
}
