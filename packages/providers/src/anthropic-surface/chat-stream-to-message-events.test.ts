import { describe, expect, it } from 'vitest';
import type { MessagesStreamPart, StreamPart } from '../types.ts';
import { chunk, collect, finish, fromArray, toolFragment, usageOnly } from './chat-stream-test-fixtures.ts';
import { chatStreamToMessageEvents } from './index.ts';

async function translate(parts: StreamPart[]): Promise<MessagesStreamPart[]> {
  return collect(chatStreamToMessageEvents(fromArray(parts), { model: 'claude-sonnet-4-5', messageId: 'msg_fixed' }));
}

function events(parts: MessagesStreamPart[]) {
  return parts.flatMap((part) => (part.type === 'event' ? [part.event.data] : []));
}

describe('chatStreamToMessageEvents', () => {
  it('streams text as message_start, ping, one text block, message_delta, message_stop, then the finish part', async () => {
    const usage = { inputTokens: 25, outputTokens: 4, cachedInputTokens: 10 };
    const parts = await translate(
      [
        chunk({ role: 'assistant', content: '' }),
        chunk({ content: 'Hello' }),
        chunk({ content: ', world' }),
        chunk({}, 'stop'),
        usageOnly(usage),
        finish('stop', 'stop', usage),
      ],
    );
    expect(parts.filter((part) => part.type === 'event').every((part) => part.event.event === part.event.data.type)).toBe(true);
    expect(events(parts)).toEqual([
      {
        type: 'message_start',
        message: {
          id: 'msg_fixed',
          type: 'message',
          role: 'assistant',
          model: 'claude-sonnet-4-5',
          content: [],
          stop_reason: null,
          stop_sequence: null,
          // Not known before the upstream's last chunk: message_delta carries the real usage.
          usage: { input_tokens: 0, output_tokens: 0 },
        },
      },
      { type: 'ping' },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ', world' } },
      { type: 'content_block_stop', index: 0 },
      {
        type: 'message_delta',
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: { input_tokens: 15, output_tokens: 4, cache_read_input_tokens: 10, cache_creation_input_tokens: 0 },
      },
      { type: 'message_stop' },
    ]);
    expect(parts.at(-1)).toEqual(finish('stop', 'stop', usage));
  });

  it('streams reasoning as a thinking block before the text block', async () => {
    const parts = await translate([
      chunk({ reasoning_content: 'Two plus two' }),
      chunk({ reasoning_content: ' is four.' }),
      chunk({ content: '4' }),
      finish('stop', 'stop', { inputTokens: 5, outputTokens: 9 }),
    ]);
    expect(events(parts).slice(2, 9)).toEqual([
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Two plus two' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: ' is four.' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: '4' } },
      { type: 'content_block_stop', index: 1 },
    ]);
  });

  it('streams sequential tool calls as they come: a call closes once its arguments are complete JSON', async () => {
    const parts = await translate([
      chunk({ content: 'Checking.' }),
      toolFragment(0, { id: 'call_a', name: 'get_weather', arguments: '' }),
      toolFragment(0, { arguments: '{"city":' }),
      toolFragment(0, { arguments: '"Paris"}' }),
      toolFragment(1, { id: 'call_b', name: 'get_weather', arguments: '{"city":"Oslo"}' }),
      chunk({}, 'tool_calls'),
      finish('tool_calls', 'tool_calls', { inputTokens: 50, outputTokens: 20 }),
    ]);
    expect(events(parts).slice(2, -2)).toEqual([
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Checking.' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'call_a', name: 'get_weather', input: {} } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"city":' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '"Paris"}' } },
      { type: 'content_block_stop', index: 1 },
      { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'call_b', name: 'get_weather', input: {} } },
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"city":"Oslo"}' } },
      { type: 'content_block_stop', index: 2 },
    ]);
    expect(events(parts).at(-2)).toMatchObject({ type: 'message_delta', delta: { stop_reason: 'tool_use' } });
  });

  it('keeps interleaved tool calls apart: the second waits, buffered, until the first is complete', async () => {
    const parts = await translate([
      toolFragment(0, { id: 'call_a', name: 'get_weather', arguments: '' }),
      toolFragment(1, { id: 'call_b', name: 'get_time', arguments: '' }),
      toolFragment(0, { arguments: '{"city":' }),
      toolFragment(1, { arguments: '{"zone":' }),
      toolFragment(0, { arguments: '"Paris"}' }),
      toolFragment(1, { arguments: '"CET"}' }),
      finish('tool_calls', 'tool_calls', null),
    ]);
    expect(events(parts).slice(2, -2)).toEqual([
      { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'call_a', name: 'get_weather', input: {} } },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"city":' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '"Paris"}' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'call_b', name: 'get_time', input: {} } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"zone":' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '"CET"}' } },
      { type: 'content_block_stop', index: 1 },
    ]);
    expect(events(parts).at(-2)).toEqual({ type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 0 } });
  });

  it('gives an id to a tool call sent without one, and tells calls numbered alike apart by their ids', async () => {
    const parts = await translate([
      chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] }),
      chunk({ tool_calls: [{ index: 0, id: 'call_2', type: 'function', function: { name: 'g', arguments: '{"x":1}' } }] }),
      chunk({ tool_calls: [{ function: { name: 'h', arguments: '{}' } }] }),
      finish('tool_calls', 'tool_calls', null),
    ]);
    const starts = events(parts).filter((event) => event.type === 'content_block_start');
    expect(starts.map((event) => event.content_block)).toEqual([
      { type: 'tool_use', id: 'call_1', name: 'f', input: {} },
      { type: 'tool_use', id: 'call_2', name: 'g', input: {} },
      { type: 'tool_use', id: expect.stringMatching(/^toolu_/), name: 'h', input: {} },
    ]);
  });

  it('opens a new text block for text that follows a tool call', async () => {
    const parts = await translate([
      chunk({ content: 'Before.' }),
      toolFragment(0, { id: 'call_a', name: 'f', arguments: '{}' }),
      chunk({ content: 'After.' }),
      finish('stop', 'stop', null),
    ]);
    const blocks = events(parts).filter((event) => event.type === 'content_block_start');
    expect(blocks.map((event) => [event.index, (event.content_block as { type: string }).type])).toEqual([
      [0, 'text'],
      [1, 'tool_use'],
      [2, 'text'],
    ]);
    expect(events(parts).at(-2)).toMatchObject({ delta: { stop_reason: 'tool_use' } });
  });

  it('maps the finish reason length to max_tokens', async () => {
    const parts = await translate([chunk({ content: 'Once upon' }, 'length'), finish('length', 'length', { inputTokens: 3, outputTokens: 2 })]);
    expect(events(parts).at(-2)).toMatchObject({ type: 'message_delta', delta: { stop_reason: 'max_tokens' } });
  });

  it('lets an upstream failure through, after the events already translated', async () => {
    async function* failing(): AsyncGenerator<StreamPart> {
      yield chunk({ content: 'Partial' });
      throw new Error('connection reset');
    }
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const part of chatStreamToMessageEvents(failing(), { model: 'claude-sonnet-4-5' })) {
          if (part.type === 'event') seen.push(part.event.event);
        }
      })(),
    ).rejects.toThrow('connection reset');
    expect(seen).toEqual(['message_start', 'ping', 'content_block_start', 'content_block_delta']);
  });

  it('fails when the parts end without a finish part', async () => {
    await expect(translate([chunk({ content: 'x' })])).rejects.toThrow(/without a finish part/);
  });
});
