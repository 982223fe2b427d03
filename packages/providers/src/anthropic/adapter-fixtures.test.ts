import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MockAgent } from 'undici';
import type { ChatCompletionRequest } from '@gateway/contracts';
import { ProviderError } from '../errors.ts';
import type { ProviderAdapter, StreamPart } from '../types.ts';
import { createAnthropicAdapter } from './index.ts';

/**
 * The adapter against Anthropic's wire shapes as its API reference documents them
 * (https://docs.anthropic.com/en/api/messages, /en/docs/build-with-claude/streaming, /en/api/errors),
 * answered by an undici MockAgent: what the gateway sends is recorded, what it gets is a fixture.
 */

const origin = 'https://api.anthropic.com';
const apiKey = 'sk-ant-api03-fixture-key-abcdefghijklmnop';
let agent: MockAgent;
let adapter: ProviderAdapter;
let sent: Array<{ path: string; headers: Record<string, string>; body: any }>;

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  sent = [];
  adapter = createAnthropicAdapter({ name: 'claude', type: 'anthropic', apiKey }, { dispatcher: agent });
});
afterEach(async () => {
  await agent.close();
});

function answer(status: number, body: string, headers: Record<string, string> = {}): void {
  agent
    .get(origin)
    .intercept({ path: () => true, method: 'POST' })
    .reply(
      status,
      (options) => {
        sent.push({ path: options.path, headers: options.headers as Record<string, string>, body: JSON.parse(String(options.body)) });
        return body;
      },
      { headers: { 'content-type': status === 200 && body.startsWith('event:') ? 'text/event-stream' : 'application/json', ...headers } },
    );
}

/** Events as they travel: `event: <name>` and `data: <json>` lines, a blank line after each. */
function sse(events: Array<[string, unknown]>): string {
  return events.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`).join('');
}

async function collect(parts: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const collected: StreamPart[] = [];
  for await (const part of parts) collected.push(part);
  return collected;
}

function deltas(parts: StreamPart[]): Array<Record<string, unknown>> {
  return parts.flatMap((part) => (part.type === 'chunk' ? part.chunk.choices.map((choice) => choice.delta) : []));
}

const hello: ChatCompletionRequest = { model: 'alias', messages: [{ role: 'user', content: 'Hello' }] };

const messageStart = (usage: Record<string, number>) => [
  'message_start',
  {
    type: 'message_start',
    message: {
      id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
      type: 'message',
      role: 'assistant',
      content: [],
      model: 'claude-sonnet-4-5-20250929',
      stop_reason: null,
      stop_sequence: null,
      usage,
    },
  },
] as [string, unknown];

describe('anthropic adapter: chat against wire fixtures', () => {
  it('sends the Messages request with its headers and maps the answer', async () => {
    answer(
      200,
      JSON.stringify({
        id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-5-20250929',
        content: [
          { type: 'thinking', thinking: 'The user greets me.', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds' },
          { type: 'text', text: 'Hi! ' },
          { type: 'text', text: 'How can I help?' },
        ],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: 12, cache_creation_input_tokens: 100, cache_read_input_tokens: 2000, output_tokens: 9 },
      }),
    );
    const result = await adapter.chat({ request: hello, model: 'claude-sonnet-4-5', requestId: 'req-1' });
    expect(sent[0]?.path).toBe('/v1/messages');
    expect(sent[0]?.headers).toMatchObject({ 'x-api-key': apiKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' });
    expect(sent[0]?.body).toEqual({
      model: 'claude-sonnet-4-5',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
      max_tokens: 4096,
    });
    expect(result.response).toMatchObject({
      id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
      object: 'chat.completion',
      model: 'claude-sonnet-4-5-20250929',
      choices: [
        { index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Hi! How can I help?', reasoning_content: 'The user greets me.' } },
      ],
      usage: { prompt_tokens: 2112, completion_tokens: 9, total_tokens: 2121, prompt_tokens_details: { cached_tokens: 2000 } },
    });
    expect(result.usage).toEqual({ inputTokens: 2112, outputTokens: 9, cachedInputTokens: 2000, cacheWriteInputTokens: 100 });
    expect(result.finishReason).toEqual({ unified: 'stop', raw: 'end_turn' });
  });

  it.each([
    ['end_turn', 'stop', 'stop'],
    ['stop_sequence', 'stop', 'stop'],
    ['max_tokens', 'length', 'length'],
    ['tool_use', 'tool_calls', 'tool_calls'],
    ['refusal', 'content_filter', 'content_filter'],
    ['pause_turn', 'other', 'stop'],
  ])('maps stop_reason %s to %s', async (raw, unified, openAi) => {
    answer(
      200,
      JSON.stringify({
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-haiku-4-5',
        content: [{ type: 'text', text: 'x' }],
        stop_reason: raw,
        stop_sequence: null,
        usage: { input_tokens: 1, output_tokens: 1 },
      }),
    );
    const result = await adapter.chat({ request: hello, model: 'claude-haiku-4-5', requestId: 'r' });
    expect(result.finishReason).toEqual({ unified, raw });
    expect(result.response.choices[0]?.finish_reason).toBe(openAi);
  });

  it('maps tool_use blocks to tool calls', async () => {
    answer(
      200,
      JSON.stringify({
        id: 'msg_2',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-5',
        content: [
          { type: 'text', text: 'Let me check.' },
          { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { location: 'San Francisco, CA' } },
          { type: 'tool_use', id: 'toolu_01B', name: 'get_time', input: {} },
        ],
        stop_reason: 'tool_use',
        stop_sequence: null,
        usage: { input_tokens: 20, output_tokens: 30 },
      }),
    );
    const result = await adapter.chat({ request: hello, model: 'claude-sonnet-4-5', requestId: 'r' });
    expect(result.response.choices[0]?.message).toEqual({
      role: 'assistant',
      content: 'Let me check.',
      tool_calls: [
        { id: 'toolu_01A09q90qw90lq917835lq9', type: 'function', function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA"}' } },
        { id: 'toolu_01B', type: 'function', function: { name: 'get_time', arguments: '{}' } },
      ],
    });
    expect(result.response.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('gives a json_schema answer back as text with a stop finish', async () => {
    answer(
      200,
      JSON.stringify({
        id: 'msg_3',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-5',
        content: [{ type: 'tool_use', id: 'toolu_9', name: 'reply', input: { answer: 'yes' } }],
        stop_reason: 'tool_use',
        stop_sequence: null,
        usage: { input_tokens: 20, output_tokens: 5 },
      }),
    );
    const result = await adapter.chat({
      request: { ...hello, response_format: { type: 'json_schema', json_schema: { name: 'reply', schema: { type: 'object' } } } },
      model: 'claude-sonnet-4-5',
      requestId: 'r',
    });
    expect(result.response.choices[0]?.message).toEqual({ role: 'assistant', content: '{"answer":"yes"}' });
    expect(result.response.choices[0]?.finish_reason).toBe('stop');
    expect(result.finishReason).toEqual({ unified: 'stop', raw: 'tool_use' });
  });
});

describe('anthropic adapter: errors', () => {
  it('maps 529 overloaded_error to a retryable provider error without the upstream words', async () => {
    answer(529, JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: 'req_1' }), {
      'retry-after': '2',
    });
    const failure = await adapter.chat({ request: hello, model: 'm', requestId: 'r' }).catch((caught: unknown) => caught);
    expect(failure).toBeInstanceOf(ProviderError);
    expect(failure).toMatchObject({ code: 'provider_error', retryable: true, upstreamStatus: 529, retryAfterMs: 2000, upstreamMessage: 'Overloaded' });
    expect((failure as Error).message).toBe('provider claude failed (529)');
  });

  it('withholds a 401 message, which may describe the key', async () => {
    answer(401, JSON.stringify({ type: 'error', error: { type: 'authentication_error', message: `invalid x-api-key ${apiKey}` } }));
    const failure = await adapter.chat({ request: hello, model: 'm', requestId: 'r' }).catch((caught: unknown) => caught);
    expect(failure).toMatchObject({ code: 'provider_error', retryable: false, upstreamStatus: 401 });
    expect((failure as Error).message).toBe("provider claude rejected the gateway's credentials (401)");
    expect(JSON.stringify(failure)).not.toContain(apiKey);
    expect((failure as ProviderError).upstreamMessage).not.toContain(apiKey);
  });

  it("shows a 400's message, which says what to fix", async () => {
    answer(400, JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: 'messages.0.content: Field required' } }));
    const failure = await adapter.chat({ request: hello, model: 'm', requestId: 'r' }).catch((caught: unknown) => caught);
    expect(failure).toMatchObject({ code: 'invalid_request', retryable: false });
    expect((failure as Error).message).toBe('provider claude rejected the request (400): messages.0.content: Field required');
  });

  it('refuses in strict mode before calling the provider', async () => {
    const failure = await adapter
      .chat({ request: { ...hello, seed: 7 }, model: 'm', requestId: 'r', strict: true })
      .catch((caught: unknown) => caught);
    expect(failure).toMatchObject({ code: 'invalid_request', param: 'seed' });
    expect((failure as Error).message).toMatch(/^strict mode: provider claude cannot/);
    expect(sent).toHaveLength(0);
  });
});

describe('anthropic adapter: stream fixtures', () => {
  it('streams text, then the finish chunk, the usage-only chunk and the finish part', async () => {
    answer(
      200,
      sse([
        messageStart({ input_tokens: 25, cache_creation_input_tokens: 0, cache_read_input_tokens: 10, output_tokens: 1 }),
        ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
        ['ping', { type: 'ping' }],
        ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } }],
        ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: '!' } }],
        ['content_block_stop', { type: 'content_block_stop', index: 0 }],
        ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 15 } }],
        ['message_stop', { type: 'message_stop' }],
      ]),
    );
    const opened = await adapter.chatStream({ request: { ...hello, stream: true }, model: 'claude-sonnet-4-5', requestId: 'r' });
    const parts = await collect(opened.parts);
    expect(sent[0]?.body.stream).toBe(true);
    expect(sent[0]?.headers.accept).toBe('text/event-stream');
    expect(deltas(parts)).toEqual([{ role: 'assistant', content: '' }, { content: 'Hello' }, { content: '!' }, {}]);
    const chunks = parts.filter((part) => part.type === 'chunk');
    expect(chunks[0]?.chunk).toMatchObject({ id: 'msg_01XFDUDYJgAACzvnptvVoYEL', object: 'chat.completion.chunk', model: 'claude-sonnet-4-5-20250929' });
    expect(chunks.at(-2)?.chunk.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.at(-1)).toMatchObject({
      usageOnly: true,
      chunk: { choices: [], usage: { prompt_tokens: 35, completion_tokens: 15, total_tokens: 50, prompt_tokens_details: { cached_tokens: 10 } } },
    });
    expect(parts.at(-1)).toEqual({
      type: 'finish',
      finishReason: { unified: 'stop', raw: 'end_turn' },
      usage: { inputTokens: 35, outputTokens: 15, cachedInputTokens: 10 },
    });
  });

  it('streams parallel tool_use blocks as indexed tool calls, arguments split mid-token', async () => {
    // Written as the wire carries it, the second tool's JSON cut inside a string and a key.
    const wire =
      'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_014p7gG3wDgGV9EUtLvnow3U","type":"message","role":"assistant","model":"claude-sonnet-4-5","stop_sequence":null,"usage":{"input_tokens":472,"output_tokens":2},"content":[],"stop_reason":null}}\n\n' +
      'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n' +
      'event: ping\ndata: {"type": "ping"}\n\n' +
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Checking both."}}\n\n' +
      'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n' +
      'event: content_block_start\ndata: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}\n\n' +
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}\n\n' +
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"location\\": \\"Oslo\\"}"}}\n\n' +
      'event: content_block_stop\ndata: {"type":"content_block_stop","index":1}\n\n' +
      'event: content_block_start\ndata: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_02","name":"get_weather","input":{}}}\n\n' +
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\\"locat"}}\n\n' +
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"ion\\": \\"Ro"}}\n\n' +
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"me\\"}"}}\n\n' +
      'event: content_block_stop\ndata: {"type":"content_block_stop","index":2}\n\n' +
      'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}}\n\n' +
      'event: message_stop\ndata: {"type":"message_stop"}\n\n';
    answer(200, wire);
    const opened = await adapter.chatStream({ request: { ...hello, stream: true }, model: 'claude-sonnet-4-5', requestId: 'r' });
    const parts = await collect(opened.parts);
    const calls = deltas(parts).flatMap((delta) => (delta.tool_calls as Array<Record<string, any>> | undefined) ?? []);
    expect(calls[0]).toEqual({ index: 0, id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', type: 'function', function: { name: 'get_weather', arguments: '' } });
    expect(calls.filter((call) => call.id !== undefined).map((call) => [call.index, call.id])).toEqual([
      [0, 'toolu_01T1x1fJ34qAmk2tNTrN7Up6'],
      [1, 'toolu_02'],
    ]);
    const argumentsOf = (index: number): string =>
      calls.filter((call) => call.index === index).map((call) => call.function.arguments as string).join('');
    expect(JSON.parse(argumentsOf(0))).toEqual({ location: 'Oslo' });
    expect(JSON.parse(argumentsOf(1))).toEqual({ location: 'Rome' });
    expect(deltas(parts).find((delta) => delta.content === 'Checking both.')).toBeDefined();
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'tool_calls', raw: 'tool_use' } });
    const finishChunk = parts.find((part) => part.type === 'chunk' && part.chunk.choices[0]?.finish_reason);
    expect(finishChunk?.type === 'chunk' && finishChunk.chunk.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('streams thinking as reasoning_content', async () => {
    answer(
      200,
      sse([
        messageStart({ input_tokens: 5, output_tokens: 1 }),
        ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }],
        ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Let me think.' } }],
        ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'EqQBCgIYAhIM1gbcDa9G' } }],
        ['content_block_stop', { type: 'content_block_stop', index: 0 }],
        ['content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } }],
        ['content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: '42' } }],
        ['content_block_stop', { type: 'content_block_stop', index: 1 }],
        ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 20 } }],
        ['message_stop', { type: 'message_stop' }],
      ]),
    );
    const opened = await adapter.chatStream({ request: { ...hello, stream: true, reasoning_effort: 'low' }, model: 'm', requestId: 'r' });
    const parts = await collect(opened.parts);
    expect(sent[0]?.body.thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
    expect(deltas(parts)).toEqual([{ role: 'assistant', content: '' }, { reasoning_content: 'Let me think.' }, { content: '42' }, {}]);
  });

  it('streams a json_schema answer as content deltas', async () => {
    answer(
      200,
      sse([
        messageStart({ input_tokens: 5, output_tokens: 1 }),
        ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_1', name: 'reply', input: {} } }],
        ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"answer"' } }],
        ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: ': "yes"}' } }],
        ['content_block_stop', { type: 'content_block_stop', index: 0 }],
        ['message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 8 } }],
        ['message_stop', { type: 'message_stop' }],
      ]),
    );
    const opened = await adapter.chatStream({
      request: { ...hello, stream: true, response_format: { type: 'json_schema', json_schema: { name: 'reply', schema: { type: 'object' } } } },
      model: 'm',
      requestId: 'r',
    });
    const parts = await collect(opened.parts);
    expect(deltas(parts)).toEqual([{ role: 'assistant', content: '' }, { content: '{"answer"' }, { content: ': "yes"}' }, {}]);
    expect(parts.at(-1)).toMatchObject({ finishReason: { unified: 'stop', raw: 'tool_use' } });
  });

  it('fails on an error event before any part, retryable when overloaded, without the upstream words', async () => {
    answer(
      200,
      sse([
        messageStart({ input_tokens: 5, output_tokens: 1 }),
        ['error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded: internal host db-7' } }],
      ]),
    );
    const opened = await adapter.chatStream({ request: { ...hello, stream: true }, model: 'm', requestId: 'r' });
    const iterator = opened.parts[Symbol.asyncIterator]();
    const failure = await iterator.next().catch((caught: unknown) => caught);
    expect(failure).toBeInstanceOf(ProviderError);
    expect(failure).toMatchObject({ code: 'provider_unavailable', retryable: true });
    expect((failure as Error).message).toBe('provider claude reported an error mid-stream (overloaded_error)');
    expect((failure as Error).message).not.toContain('db-7');
  });

  it('fails a stream that ends without message_stop', async () => {
    answer(
      200,
      sse([
        messageStart({ input_tokens: 5, output_tokens: 1 }),
        ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
        ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hel' } }],
      ]),
    );
    const opened = await adapter.chatStream({ request: { ...hello, stream: true }, model: 'm', requestId: 'r' });
    const seen: StreamPart[] = [];
    const failure = await (async () => {
      for await (const part of opened.parts) seen.push(part);
    })().catch((caught: unknown) => caught);
    expect(deltas(seen)).toEqual([{ role: 'assistant', content: '' }, { content: 'Hel' }]);
    expect(failure).toMatchObject({ code: 'provider_error', message: 'the stream from provider claude ended before it finished' });
  });
});

describe('anthropic adapter: settings', () => {
  it('needs an API key', () => {
    expect(() => createAnthropicAdapter({ name: 'claude', type: 'anthropic' })).toThrow(
      expect.objectContaining({ code: 'invalid_request', param: 'api_key' }),
    );
  });

  it('calls a base URL given with or without /v1, with the configured version and headers', async () => {
    const proxied = 'https://proxy.example.com';
    for (const baseUrl of [`${proxied}/anthropic/v1/`, `${proxied}/anthropic`]) {
      agent
        .get(proxied)
        .intercept({ path: '/anthropic/v1/messages', method: 'POST' })
        .reply(
          200,
          (options) => {
            sent.push({ path: options.path, headers: options.headers as Record<string, string>, body: null });
            return JSON.stringify({ id: 'm', content: [], stop_reason: 'end_turn', usage: { input_tokens: 1, output_tokens: 0 } });
          },
          { headers: { 'content-type': 'application/json' } },
        );
      const configured = createAnthropicAdapter(
        { name: 'claude', type: 'anthropic', apiKey, baseUrl, apiVersion: '2023-01-01', headers: { 'anthropic-beta': 'context-1m-2025-08-07' } },
        { dispatcher: agent },
      );
      await configured.chat({ request: hello, model: 'm', requestId: 'r' });
      expect(sent.at(-1)?.headers).toMatchObject({ 'anthropic-version': '2023-01-01', 'anthropic-beta': 'context-1m-2025-08-07', 'x-api-key': apiKey });
      expect(configured.passthrough?.()).toEqual({
        baseUrl: `${proxied}/anthropic`,
        headers: { 'x-api-key': apiKey, 'anthropic-version': '2023-01-01', 'anthropic-beta': 'context-1m-2025-08-07' },
      });
    }
    expect(sent).toHaveLength(2);
  });

  it('has no embeddings', async () => {
    await expect(adapter.embeddings({ request: { model: 'x', input: 'a' }, model: 'x', requestId: 'r' })).rejects.toMatchObject({
      code: 'invalid_request',
      param: 'model',
      message: 'provider claude (type anthropic) has no embeddings API',
    });
  });
});
