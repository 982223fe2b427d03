import type { AnthropicStreamEvent } from '@gateway/contracts';
import { newToolUseId } from './ids.ts';
import type { ToolCallFragment } from './openai-answer.ts';

interface Block {
  kind: 'text' | 'thinking' | 'tool';
  /** Its Anthropic `index`, given when it starts. */
  index: number;
  started: boolean;
  /** Received but not yet sent: everything while the block waits its turn. */
  pending: string;
  /** Tool blocks: the call's id, name and all arguments received so far. */
  id?: string;
  name?: string;
  arguments?: string;
}

/**
 * Orders streamed content into Anthropic's sequential content blocks. Anthropic streams one block at a
 * time (start, deltas, stop), and its SDK applies each delta to the last block started; OpenAI streams
 * text, reasoning and several tool calls that may interleave (call 0's arguments, then call 1's, then
 * call 0's again). So one block is live at a time and everything else waits, buffered, in order of
 * first arrival: when the live block is done its successor starts and gets its buffer as one delta,
 * then streams live.
 *
 * When is a block done? Text and reasoning are done once anything else arrives after them (more text
 * then opens a new block). A tool call is done once its arguments parse as JSON: nothing but whitespace
 * can follow a complete JSON value, so a call interleaved with another stays live until its arguments
 * close, and calls that come one after the other (OpenAI's usual way) still stream as they come. A
 * fragment for a call already closed could only be whitespace and is dropped. At the end every block
 * still open or waiting is flushed in order.
 */
export class BlockSequencer {
  readonly #queue: Block[] = [];
  readonly #toolsByIndex = new Map<number, Block>();
  #nextIndex = 0;
  #sawTool = false;

  /** Whether any tool_use block was opened: the stop reason then is `tool_use`. */
  get sawTool(): boolean {
    return this.#sawTool;
  }

  text(delta: string): AnthropicStreamEvent[] {
    return this.#append('text', delta);
  }

  thinking(delta: string): AnthropicStreamEvent[] {
    return this.#append('thinking', delta);
  }

  tool(fragment: ToolCallFragment): AnthropicStreamEvent[] {
    const block = this.#toolBlock(fragment);
    if (!block) return [];
    if (!block.id && fragment.id) block.id = fragment.id;
    if (!block.name && fragment.function?.name) block.name = fragment.function.name;
    const text = fragment.function?.arguments ?? '';
    block.arguments += text;
    block.pending += text;
    return this.#pump();
  }

  /** Closes every block, waiting ones included, in order. */
  finish(): AnthropicStreamEvent[] {
    const events: AnthropicStreamEvent[] = [];
    while (this.#queue.length > 0) events.push(...this.#close());
    return events;
  }

  #append(kind: 'text' | 'thinking', delta: string): AnthropicStreamEvent[] {
    if (delta === '') return [];
    const last = this.#queue.at(-1);
    const block = last?.kind === kind ? last : this.#enqueue({ kind, index: -1, started: false, pending: '' });
    block.pending += delta;
    return this.#pump();
  }

  /** The block a fragment belongs to: by the call's index, or by its id when a vendor sends no index. */
  #toolBlock(fragment: ToolCallFragment): Block | undefined {
    let block: Block | undefined;
    if (fragment.index !== null && fragment.index !== undefined) {
      block = this.#toolsByIndex.get(fragment.index);
      // A different id under a known index is a new call (vendors that number every call 0).
      if (block && fragment.id && block.id && fragment.id !== block.id) block = undefined;
    } else if (fragment.id) {
      block = this.#queue.find((candidate) => candidate.kind === 'tool' && candidate.id === fragment.id);
    }
    if (block) return this.#queue.includes(block) ? block : undefined;
    const created = this.#enqueue({ kind: 'tool', index: -1, started: false, pending: '', name: '', arguments: '' });
    if (fragment.index !== null && fragment.index !== undefined) this.#toolsByIndex.set(fragment.index, created);
    this.#sawTool = true;
    return created;
  }

  #enqueue(block: Block): Block {
    this.#queue.push(block);
    return block;
  }

  #pump(): AnthropicStreamEvent[] {
    const events: AnthropicStreamEvent[] = [];
    for (;;) {
      const live = this.#queue[0];
      if (!live) return events;
      // A tool block cannot start before its name is known: content_block_start carries it.
      if (!live.started && (live.kind !== 'tool' || live.name)) events.push(this.#start(live));
      if (live.started && live.pending !== '') events.push(this.#delta(live));
      if (this.#queue.length > 1 && done(live)) events.push(...this.#close());
      else return events;
    }
  }

  #close(): AnthropicStreamEvent[] {
    const live = this.#queue.shift();
    if (!live) return [];
    const events: AnthropicStreamEvent[] = [];
    if (!live.started) events.push(this.#start(live));
    if (live.pending !== '') events.push(this.#delta(live));
    events.push(event('content_block_stop', { index: live.index }));
    return events;
  }

  #start(block: Block): AnthropicStreamEvent {
    block.started = true;
    block.index = this.#nextIndex;
    this.#nextIndex += 1;
    const content =
      block.kind === 'text'
        ? { type: 'text', text: '' }
        : block.kind === 'thinking'
          ? { type: 'thinking', thinking: '', signature: '' }
          : { type: 'tool_use', id: block.id || newToolUseId(), name: block.name ?? '', input: {} };
    return event('content_block_start', { index: block.index, content_block: content });
  }

  #delta(block: Block): AnthropicStreamEvent {
    const text = block.pending;
    block.pending = '';
    const delta =
      block.kind === 'text'
        ? { type: 'text_delta', text }
        : block.kind === 'thinking'
          ? { type: 'thinking_delta', thinking: text }
          : { type: 'input_json_delta', partial_json: text };
    return event('content_block_delta', { index: block.index, delta });
  }
}

function done(block: Block): boolean {
  if (block.kind !== 'tool') return true;
  try {
    JSON.parse(block.arguments ?? '');
    return true;
  } catch {
    return false;
  }
}

export function event(name: string, fields: Record<string, unknown>): AnthropicStreamEvent {
  return { event: name, data: { type: name, ...fields } };
}
