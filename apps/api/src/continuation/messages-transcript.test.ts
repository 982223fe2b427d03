import { describe, expect, it } from 'vitest';
import type { AnthropicMessagesRequest } from '@gateway/contracts';
import type { MessagesStreamPart } from '@gateway/providers';
import { MessagesTranscript } from './messages-transcript.ts';

const event = (data: { type: string; [field: string]: unknown }): Extract<MessagesStreamPart, { type: 'event' }> => ({ type: 'event', event: { event: data.type, data } });
const textStart = (index: number) => event({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
const text = (index: number, value: string) => event({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: value } });
const noUsage = () => ({ inputTokens: 0, outputTokens: 0 });
const dataOf = (parts: MessagesStreamPart[]) => parts.map((part) => (part.type === 'event' ? part.event.data : part));

describe('MessagesTranscript', () => {
  const request: AnthropicMessagesRequest = { model: 'm', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] };

  it('continues the open text block: no second message_start or block start, same index', () => {
    const transcript = new MessagesTranscript(request);
    for (const part of [event({ type: 'message_start', message: {} }), textStart(0), text(0, 'Hello ')]) transcript.observe(part);
    expect(transcript.continuable()).toBe(true);
    expect(transcript.followUp()).toMatchObject({ max_tokens: 20 - 2, messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'Hello' }] });
    transcript.startContinuation();
    expect(transcript.adapt(event({ type: 'message_start', message: {} }), noUsage)).toEqual([]);
    expect(transcript.adapt(textStart(0), noUsage)).toEqual([]);
    expect(dataOf(transcript.adapt(text(0, ' world'), noUsage))).toEqual([{ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'world' } }]);
    expect(dataOf(transcript.adapt(event({ type: 'content_block_stop', index: 0 }), noUsage))).toEqual([{ type: 'content_block_stop', index: 0 }]);
    expect(dataOf(transcript.adapt(event({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 4 } }), () => ({ inputTokens: 0, outputTokens: 2 })))).toEqual([
      { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 6 } },
    ]);
  });

  it('after a closed block, the follow-up opens the next index', () => {
    const transcript = new MessagesTranscript(request);
    for (const part of [event({ type: 'message_start', message: {} }), textStart(0), text(0, 'Done.'), event({ type: 'content_block_stop', index: 0 })]) transcript.observe(part);
    transcript.followUp();
    transcript.startContinuation();
    expect(dataOf(transcript.adapt(textStart(0), noUsage))).toEqual([{ type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } }]);
    expect(dataOf(transcript.adapt(text(0, 'More'), noUsage))).toEqual([{ type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'More' } }]);
  });

  it('closes the open text block when the follow-up starts with another kind of block', () => {
    const transcript = new MessagesTranscript(request);
    for (const part of [event({ type: 'message_start', message: {} }), textStart(0), text(0, 'Calling')]) transcript.observe(part);
    transcript.followUp();
    transcript.startContinuation();
    const tool = event({ type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 't', name: 'f', input: {} } });
    expect(dataOf(transcript.adapt(tool, noUsage))).toEqual([
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 't', name: 'f', input: {} } },
    ]);
  });

  it("appends to the client's own prefill and refuses tool use, thinking and finished messages", () => {
    const prefilled = new MessagesTranscript({ ...request, messages: [{ role: 'user', content: 'count' }, { role: 'assistant', content: 'One,' }] });
    for (const part of [event({ type: 'message_start', message: {} }), textStart(0), text(0, ' two, ')]) prefilled.observe(part);
    expect(prefilled.followUp().messages.at(-1)).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'One,' }, { type: 'text', text: ' two,' }] });

    const tool = new MessagesTranscript(request);
    for (const part of [event({ type: 'message_start', message: {} }), event({ type: 'content_block_start', index: 0, content_block: { type: 'tool_use' } })]) tool.observe(part);
    expect(tool.continuable()).toBe(false);
    const finished = new MessagesTranscript(request);
    for (const part of [event({ type: 'message_start', message: {} }), textStart(0), event({ type: 'message_delta', delta: {} })]) finished.observe(part);
    expect(finished.continuable()).toBe(false);
    expect(MessagesTranscript.applies({ ...request, thinking: { type: 'enabled', budget_tokens: 1024 } } as AnthropicMessagesRequest)).toBe(false);
  });
});
