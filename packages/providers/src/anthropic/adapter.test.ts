import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { request as undiciRequest } from 'undici';
import type { ChatCompletionChunk, ChatCompletionRequest } from '@gateway/contracts';
import { startFakeAnthropic, type FakeAnthropic } from '@gateway/testkit';
import { createAdapter } from '../create-adapter.ts';
import type { MessagesStreamPart, ProviderAdapter, StreamPart } from '../types.ts';

/** The adapter against the fake Anthropic server, which refuses what Anthropic would refuse. */

const apiKey = 'sk-ant-api03-adapter-test-key-0123456789';
let fake: FakeAnthropic;
let adapter: ProviderAdapter;

beforeAll(async () => {
  fake = await startFakeAnthropic({ apiKey });
  adapter = createAdapter({ name: 'claude', type: 'anthropic', baseUrl: fake.url, apiKey });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
});

async function collect<Part>(parts: AsyncIterable<Part>): Promise<Part[]> {
  const collected: Part[] = [];
  for await (const part of parts) collected.push(part);
  return collected;
}

function deltas(parts: StreamPart[]): Array<ChatCompletionChunk['choices'][number]['delta']> {
  return parts.flatMap((part) => (part.type === 'chunk' ? part.chunk.choices.map((choice) => choice.delta) : []));
}

const hello: ChatCompletionRequest = {
  model: 'alias',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'hello big world' },
  ],
};
const weather = {
  type: 'function',
  function: {
    name: 'get_weather',
    parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city'] },
  },
};
const clock = { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string' } } } } };

describe('anthropic adapter against the fake server: chat', () => {
  it('answers with content, usage and finish reason', async () => {
    const result = await adapter.chat({ request: hello, model: 'claude-sonnet-4-5', requestId: 'r1' });
    expect(result.response.choices[0]?.message.content).toBe('Echo: hello big world');
    expect(result.response.model).toBe('claude-sonnet-4-5');
    expect(result.usage).toEqual({ inputTokens: 5, outputTokens: 4 });
    // The OpenAI usage every translating adapter gives: details only when they hold tokens.
    expect(result.response.usage).toEqual({ prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 });
    expect(result.finishReason).toEqual({ unified: 'stop', raw: 'end_turn' });
    expect(fake.requests[0]?.headers['x-api-key']).toBe(apiKey);
  });

  it('maps max_tokens and stop to Anthropic and back', async () => {
    const cut = await adapter.chat({ request: { ...hello, max_tokens: 2 }, model: 'm', requestId: 'r' });
    expect(cut.response.choices[0]?.message.content).toBe('Echo: hello');
    expect(cut.finishReason).toEqual({ unified: 'length', raw: 'max_tokens' });
    const stopped = await adapter.chat({ request: { ...hello, stop: ' big' }, model: 'm', requestId: 'r' });
    expect(stopped.response.choices[0]?.message.content).toBe('Echo: hello');
    expect(stopped.finishReason).toEqual({ unified: 'stop', raw: 'stop_sequence' });
  });

  it('runs a tool round trip: calls, results, answer', async () => {
    const request: ChatCompletionRequest = {
      model: 'alias',
      messages: [{ role: 'user', content: 'weather in several places' }],
      tools: [weather, clock],
      tool_choice: 'required',
    };
    const first = await adapter.chat({ request, model: 'm', requestId: 'r' });
    const message = first.response.choices[0]?.message;
    const calls = message?.tool_calls as Array<{ id: string; function: { name: string; arguments: string } }>;
    expect(calls.map((call) => call.function.name)).toEqual(['get_weather', 'get_time']);
    expect(JSON.parse(calls[0]?.function.arguments ?? '')).toEqual({ city: 'weather in several places', days: 4 });
    expect(first.finishReason).toEqual({ unified: 'tool_calls', raw: 'tool_use' });
    const second = await adapter.chat({
      request: {
        ...request,
        tool_choice: 'auto',
        messages: [
          ...request.messages,
          { role: 'assistant', content: null, tool_calls: calls.map((call) => ({ ...call, type: 'function' })) },
          { role: 'tool', tool_call_id: calls[0]?.id, content: 'sunny' },
          { role: 'tool', tool_call_id: calls[1]?.id, content: 'noon' },
        ],
      },
      model: 'm',
      requestId: 'r',
    });
    expect(second.response.choices[0]?.message.content).toBe('Echo: sunny noon');
    const parallelOff = await adapter.chat({ request: { ...request, parallel_tool_calls: false }, model: 'm', requestId: 'r' });
    expect(parallelOff.response.choices[0]?.message.tool_calls).toHaveLength(1);
  });

  it('continues a tool loop with reasoning_effort set, thinking left off with a warning (no signed thinking to send back)', async () => {
    const request: ChatCompletionRequest = {
      model: 'alias',
      reasoning_effort: 'low',
      tools: [weather],
      messages: [
        { role: 'user', content: 'weather in Oslo' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] },
        { role: 'tool', tool_call_id: 'toolu_1', content: 'sunny' },
      ],
    };
    const result = await adapter.chat({ request, model: 'm', requestId: 'r' });
    expect(result.response.choices[0]?.message.content).toBe('Echo: sunny');
    expect(result.warnings).toEqual([expect.objectContaining({ setting: 'reasoning_effort', message: expect.stringContaining('signed thinking') })]);
    expect(fake.requests[0]?.body).not.toHaveProperty('thinking');
  });

  it('sends an image returned by a tool inside the tool result, in a shape Anthropic accepts', async () => {
    const result = await adapter.chat({
      request: {
        model: 'alias',
        tools: [weather],
        messages: [
          { role: 'user', content: 'weather map' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
          {
            role: 'tool',
            tool_call_id: 'toolu_1',
            content: [
              { type: 'text', text: 'map attached' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            ],
          } as never,
        ],
      },
      model: 'm',
      requestId: 'r',
    });
    expect(result.warnings).toEqual([]);
    const sent = fake.requests[0]?.body as { messages: Array<{ content: Array<{ content?: Array<{ type: string }> }> }> };
    expect(sent.messages[2]?.content[0]?.content?.map((block) => block.type)).toEqual(['text', 'image']);
  });

  it('answers a request whose tool_choice comes without tools (Anthropic refuses tool_choice alone)', async () => {
    const result = await adapter.chat({ request: { ...hello, tool_choice: 'auto', parallel_tool_calls: false }, model: 'm', requestId: 'r' });
    expect(result.response.choices[0]?.message.content).toBe('Echo: hello big world');
    expect(fake.requests[0]?.body).not.toHaveProperty('tool_choice');
  });

  it('answers a json_schema response_format as JSON text', async () => {
    const result = await adapter.chat({
      request: {
        ...hello,
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'reply', schema: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] } },
        },
      },
      model: 'm',
      requestId: 'r',
    });
    expect(JSON.parse(result.response.choices[0]?.message.content ?? '')).toEqual({ answer: 'hello big world' });
    expect(result.response.choices[0]?.finish_reason).toBe('stop');
  });

  it('sends images, a prefill, a clamped temperature and thinking in shapes Anthropic accepts', async () => {
    const result = await adapter.chat({
      request: {
        model: 'alias',
        temperature: 1.4,
        reasoning_effort: 'low',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'describe' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
              { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
            ],
          },
        ],
      },
      model: 'm',
      requestId: 'r',
    });
    expect(result.response.choices[0]?.message.reasoning_content).toBe('Thinking about: describe');
    expect(result.warnings).toEqual([expect.objectContaining({ setting: 'temperature', message: expect.stringContaining('reasoning_effort') })]);
    const prefilled = await adapter.chat({
      request: { model: 'alias', messages: [{ role: 'user', content: 'count' }, { role: 'assistant', content: 'One,' }] },
      model: 'm',
      requestId: 'r',
    });
    expect(prefilled.response.choices[0]?.message.content).toBe('Echo: One,');
  });

  it('reports prompt cache writes and reads', async () => {
    const request: ChatCompletionRequest = {
      model: 'alias',
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'a long shared preamble', cache_control: { type: 'ephemeral' } }] },
        { role: 'user', content: 'question one' },
      ],
    };
    const first = await adapter.chat({ request, model: 'm', requestId: 'r' });
    expect(first.usage).toEqual({ inputTokens: 6, outputTokens: 3, cacheWriteInputTokens: 4 });
    const second = await adapter.chat({ request, model: 'm', requestId: 'r' });
    expect(second.usage).toEqual({ inputTokens: 6, outputTokens: 3, cachedInputTokens: 4 });
    expect(second.response.usage).toMatchObject({ prompt_tokens: 6, prompt_tokens_details: { cached_tokens: 4 } });
  });

  it('maps a scripted 529 to a retryable error', async () => {
    fake.script({ status: 529 });
    await expect(adapter.chat({ request: hello, model: 'm', requestId: 'r' })).rejects.toMatchObject({
      code: 'provider_error',
      retryable: true,
      upstreamStatus: 529,
    });
  });
});

describe('anthropic adapter against the fake server: stream', () => {
  it('streams text, a usage-only chunk and the finish part', async () => {
    const opened = await adapter.chatStream({ request: { ...hello, stream: true }, model: 'm', requestId: 'r' });
    const parts = await collect(opened.parts);
    expect(deltas(parts).map((delta) => delta.content ?? '').join('')).toBe('Echo: hello big world');
    expect(parts.at(-2)).toMatchObject({ type: 'chunk', usageOnly: true, chunk: { choices: [], usage: { prompt_tokens: 5, completion_tokens: 4 } } });
    expect(parts.at(-1)).toEqual({ type: 'finish', finishReason: { unified: 'stop', raw: 'end_turn' }, usage: { inputTokens: 5, outputTokens: 4 } });
  });

  it('streams parallel tool calls whose arguments parse', async () => {
    const opened = await adapter.chatStream({
      request: { model: 'alias', stream: true, messages: [{ role: 'user', content: 'several please' }], tools: [weather, clock], tool_choice: 'required' },
      model: 'm',
      requestId: 'r',
    });
    const parts = await collect(opened.parts);
    const calls = deltas(parts).flatMap((delta) => (delta.tool_calls as Array<{ index: number; function: { arguments: string } }>) ?? []);
    const argumentsOf = (index: number): unknown =>
      JSON.parse(calls.filter((call) => call.index === index).map((call) => call.function.arguments).join(''));
    expect(argumentsOf(0)).toEqual({ city: 'several please', days: 2 });
    expect(argumentsOf(1)).toEqual({ zone: 'several please' });
    expect(parts.at(-1)).toMatchObject({ finishReason: { unified: 'tool_calls' } });
  });

  it('fails on a mid-stream error event, retryable while nothing was produced', async () => {
    fake.script({ streamErrorAfterChunks: 1 });
    const opened = await adapter.chatStream({ request: { ...hello, stream: true }, model: 'm', requestId: 'r' });
    await expect(collect(opened.parts)).rejects.toMatchObject({ code: 'provider_unavailable', retryable: true });
  });

  it('fails a cut stream', async () => {
    fake.script({ cutStreamAfterChunks: 3 });
    const opened = await adapter.chatStream({ request: { ...hello, stream: true }, model: 'm', requestId: 'r' });
    await expect(collect(opened.parts)).rejects.toMatchObject({ code: expect.stringMatching(/^provider_/) });
  });

  it('lets a consumer stop early, the adapter staying usable', async () => {
    const opened = await adapter.chatStream({ request: { ...hello, stream: true }, model: 'm', requestId: 'r' });
    for await (const part of opened.parts) {
      expect(part.type).toBe('chunk');
      break;
    }
    const again = await adapter.chat({ request: hello, model: 'm', requestId: 'r' });
    expect(again.response.choices[0]?.message.content).toBe('Echo: hello big world');
  });
});

describe('anthropic adapter against the fake server: native surface and pass-through', () => {
  const native = {
    model: 'client-alias',
    max_tokens: 100,
    system: 'Be brief.',
    messages: [{ role: 'user' as const, content: 'native call here' }],
  };

  it('passes a messages request through with only the model replaced', async () => {
    const result = await adapter.messages!({ request: native, model: 'claude-haiku-4-5', requestId: 'r' });
    expect(fake.requests[0]?.body).toEqual({ ...native, model: 'claude-haiku-4-5', stream: false });
    expect(result.response).toMatchObject({ type: 'message', model: 'claude-haiku-4-5', content: [{ type: 'text', text: 'Echo: native call here' }] });
    expect(result.response.usage).toMatchObject({ input_tokens: 5, output_tokens: 4, cache_read_input_tokens: 0 });
    expect(result.usage).toEqual({ inputTokens: 5, outputTokens: 4 });
    expect(result.finishReason).toEqual({ unified: 'stop', raw: 'end_turn' });
    expect(result.warnings).toEqual([]);
  });

  it('passes stream events through unchanged and tracks usage', async () => {
    const opened = await adapter.messagesStream!({ request: { ...native, stream: true }, model: 'claude-haiku-4-5', requestId: 'r' });
    const parts = await collect<MessagesStreamPart>(opened.parts);
    const events = parts.flatMap((part) => (part.type === 'event' ? [part.event] : []));
    expect(events.map((event) => event.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events[3]?.data).toEqual({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Echo:' } });
    expect(parts.at(-1)).toEqual({ type: 'finish', finishReason: { unified: 'stop', raw: 'end_turn' }, usage: { inputTokens: 5, outputTokens: 4 } });
  });

  it('fails a native stream on an error event', async () => {
    fake.script({ streamErrorAfterChunks: 2, streamErrorType: 'api_error' });
    const opened = await adapter.messagesStream!({ request: native, model: 'm', requestId: 'r' });
    await expect(collect(opened.parts)).rejects.toMatchObject({ code: 'provider_error', message: expect.stringContaining('mid-stream') });
  });

  it('holds message_start back, so an error event right after it fails before the first part', async () => {
    fake.script({ streamErrorAfterChunks: 1 });
    const opened = await adapter.messagesStream!({ request: native, model: 'm', requestId: 'r' });
    const iterator = opened.parts[Symbol.asyncIterator]();
    await expect(iterator.next()).rejects.toMatchObject({ code: 'provider_unavailable', retryable: true });
  });

  it('counts tokens', async () => {
    const { max_tokens: _maxTokens, ...countRequest } = native;
    const counted = await adapter.countTokens!({ request: countRequest, model: 'claude-haiku-4-5', requestId: 'r' });
    expect(counted).toEqual({ inputTokens: 5 });
    expect(fake.requests[0]?.path).toBe('/v1/messages/count_tokens');
    expect((fake.requests[0]?.body as { model: string }).model).toBe('claude-haiku-4-5');
  });

  it('gives a pass-through target that reaches the batches endpoint', async () => {
    const target = adapter.passthrough!();
    expect(target).toEqual({ baseUrl: fake.url, headers: { 'x-api-key': apiKey, 'anthropic-version': '2023-06-01' } });
    const created = await undiciRequest(`${target.baseUrl}/v1/messages/batches`, {
      method: 'POST',
      headers: { ...target.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ requests: [{ custom_id: 'a', params: native }] }),
    });
    expect(created.statusCode).toBe(200);
    expect(await created.body.json()).toMatchObject({ type: 'message_batch', processing_status: 'in_progress' });
  });
});
