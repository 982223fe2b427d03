import Anthropic from '@anthropic-ai/sdk';
import type { Message, TextBlock, ThinkingBlock, ToolUseBlock, Usage as SdkUsage } from '@anthropic-ai/sdk/resources/messages';
import { describe, expect, it } from 'vitest';
import type { ChatCompletion } from '@gateway/contracts';
import type { StreamPart } from '../types.ts';
import { translatedMessage } from './chat-completion-to-message.ts';
import { chunk, collect, finish, fromArray, toSse, toolFragment } from './chat-stream-test-fixtures.ts';
import { chatCompletionToMessage, chatStreamToMessageEvents } from './index.ts';

/**
 * Conformance with the official Anthropic SDK: translated events, sent as SSE, drive the SDK's own
 * `client.messages.stream()` (its SSE decoder and MessageStream accumulator) through an injected
 * `fetch`, and a translated message is what its `messages.create()` hands back. No socket needed.
 */

function clientAnswering(answer: () => Response): { client: Anthropic; requests: unknown[] } {
  const requests: unknown[] = [];
  const client = new Anthropic({
    apiKey: 'sk-ant-test',
    baseURL: 'http://gateway.test',
    maxRetries: 0,
    fetch: async (_url, init) => {
      requests.push(JSON.parse(String(init?.body)));
      return answer();
    },
  });
  return { client, requests };
}

/** One network chunk per event, as a gateway flushes them. */
function sseResponse(events: string[]): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const event of events) controller.enqueue(encoder.encode(event));
      controller.close();
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
}

async function streamThroughSdk(parts: StreamPart[]) {
  const translated = await collect(chatStreamToMessageEvents(fromArray(parts), { model: 'claude-sonnet-4-5' }));
  const { client } = clientAnswering(() => sseResponse(toSse(translated)));
  const texts: string[] = [];
  const inputJson: Array<{ partial: string; snapshot: unknown }> = [];
  const thinking: string[] = [];
  const stream = client.messages
    .stream({ model: 'claude-sonnet-4-5', max_tokens: 256, messages: [{ role: 'user', content: 'Weather in Paris and Oslo?' }] })
    .on('text', (delta) => texts.push(delta))
    .on('inputJson', (partial, snapshot) => inputJson.push({ partial, snapshot }))
    .on('thinking', (delta) => thinking.push(delta));
  const message = await stream.finalMessage();
  return { message, texts, inputJson, thinking };
}

describe('Anthropic SDK conformance', () => {
  it('MessageStream accumulates a translated text stream and fires its text events', async () => {
    const { message, texts } = await streamThroughSdk([
      chunk({ role: 'assistant', content: '' }),
      chunk({ content: 'Hello' }),
      chunk({ content: ', world' }),
      chunk({}, 'stop'),
      finish('stop', 'stop', { inputTokens: 40, outputTokens: 3, cachedInputTokens: 8 }),
    ]);
    expect(texts).toEqual(['Hello', ', world']);
    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [{ type: 'text', text: 'Hello, world' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 32, output_tokens: 3, cache_read_input_tokens: 8, cache_creation_input_tokens: 0 },
    });
    expect(message.id).toMatch(/^msg_/);
  });

  it('MessageStream parses the input of interleaved parallel tool calls and fires inputJson', async () => {
    const { message, texts, inputJson } = await streamThroughSdk([
      chunk({ content: 'Checking both.' }),
      toolFragment(0, { id: 'call_a', name: 'get_weather', arguments: '' }),
      toolFragment(1, { id: 'call_b', name: 'get_weather', arguments: '' }),
      toolFragment(0, { arguments: '{"city":' }),
      toolFragment(1, { arguments: '{"city":"Os' }),
      toolFragment(0, { arguments: '"Paris","unit":"celsius"}' }),
      toolFragment(1, { arguments: 'lo"}' }),
      chunk({}, 'tool_calls'),
      finish('tool_calls', 'tool_calls', { inputTokens: 40, outputTokens: 30 }),
    ]);
    expect(texts).toEqual(['Checking both.']);
    expect(message.content).toEqual([
      { type: 'text', text: 'Checking both.' },
      { type: 'tool_use', id: 'call_a', name: 'get_weather', input: { city: 'Paris', unit: 'celsius' } },
      { type: 'tool_use', id: 'call_b', name: 'get_weather', input: { city: 'Oslo' } },
    ]);
    expect(message.stop_reason).toBe('tool_use');
    // Call b waited while call a was open: it starts with what it had buffered, then streams live.
    expect(inputJson.map((event) => event.partial)).toEqual(['{"city":', '"Paris","unit":"celsius"}', '{"city":"Os', 'lo"}']);
    expect(inputJson[0]?.snapshot).toEqual({});
    expect(inputJson.at(-1)?.snapshot).toEqual({ city: 'Oslo' });
  });

  it('MessageStream accumulates reasoning as a thinking block and fires thinking events', async () => {
    const { message, thinking } = await streamThroughSdk([
      chunk({ reasoning: 'Paris is in France.' }),
      chunk({ content: 'It is sunny.' }),
      finish('stop', 'stop', { inputTokens: 40, outputTokens: 12 }),
    ]);
    expect(thinking).toEqual(['Paris is in France.']);
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'Paris is in France.', signature: '' },
      { type: 'text', text: 'It is sunny.' },
    ]);
  });

  it('messages.create() hands back a translated message as it is', async () => {
    const completion: ChatCompletion = {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'gpt-4o-2024-08-06',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Let me look.',
            tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
          },
          finish_reason: 'tool_calls',
        },
      ],
    };
    const translated = chatCompletionToMessage(completion, {
      model: 'claude-sonnet-4-5',
      usage: { inputTokens: 20, outputTokens: 10 },
      finishReason: { unified: 'tool_calls', raw: 'tool_calls' },
    });
    const { client } = clientAnswering(() => Response.json(translated));
    const message = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'Weather?' }] });
    expect(message).toEqual(translated);
    const toolUse = message.content.find((block): block is ToolUseBlock => block.type === 'tool_use');
    expect(toolUse?.input).toEqual({ city: 'Paris' });
  });

  it('a translated message has the SDK Message shape (checked by the typechecker)', () => {
    // The SDK's Message also declares fields the API added for features an OpenAI-protocol upstream
    // cannot have (containers, citations, server tool callers); the shape Anthropic documents must match.
    type SdkBlock = Omit<TextBlock, 'citations'> | Omit<ToolUseBlock, 'caller' | 'toolset_name'> | ThinkingBlock;
    type SdkMessage = Pick<Message, 'id' | 'type' | 'role' | 'stop_reason' | 'stop_sequence'> & {
      model: string;
      content: SdkBlock[];
      usage: Pick<SdkUsage, 'input_tokens' | 'output_tokens' | 'cache_read_input_tokens' | 'cache_creation_input_tokens'>;
    };
    const message: SdkMessage = translatedMessage(
      {
        id: 'chatcmpl-2',
        object: 'chat.completion',
        created: 1_700_000_000,
        model: 'deepseek-reasoner',
        choices: [{ index: 0, message: { role: 'assistant', content: 'Yes.', reasoning_content: 'Think.' }, finish_reason: 'stop' }],
      },
      { model: 'claude-sonnet-4-5', usage: { inputTokens: 5, outputTokens: 2 }, finishReason: { unified: 'stop', raw: 'stop' } },
    );
    expect(message.content.map((block) => block.type)).toEqual(['thinking', 'text']);
  });
});
