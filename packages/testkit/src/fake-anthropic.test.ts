import Anthropic, { APIError, AuthenticationError, BadRequestError, InternalServerError } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeAnthropic } from './fake-anthropic.ts';

const apiKey = 'sk-ant-test-fake-key-0123456789';
let fake: FakeAnthropic;
let client: Anthropic;

beforeAll(async () => {
  fake = await startFakeAnthropic({ apiKey });
  client = new Anthropic({ apiKey, baseURL: fake.url, maxRetries: 0 });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
});

const weatherTool = {
  name: 'get_weather',
  description: 'Weather for a city',
  input_schema: {
    type: 'object' as const,
    properties: { city: { type: 'string' }, days: { type: 'integer' } },
    required: ['city', 'days'],
  },
};
const timeTool = {
  name: 'get_time',
  input_schema: { type: 'object' as const, properties: { zone: { type: 'string' } }, required: ['zone'] },
};

async function rawPost(path: string, body: unknown): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${fake.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey, 'anthropic-version': '2023-06-01' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json(), headers: response.headers };
}

describe('fake Anthropic with the official SDK', () => {
  it('answers a message with echo text and word-count usage', async () => {
    const { data, response } = await client.messages
      .create({
        model: 'claude-sonnet-4-5',
        max_tokens: 100,
        system: 'Be brief.',
        messages: [{ role: 'user', content: 'hello there world' }],
      })
      .withResponse();
    expect(data).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [{ type: 'text', text: 'Echo: hello there world' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 5, output_tokens: 4, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    });
    expect(data.id).toMatch(/^msg_/);
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    expect(fake.requests[0]).toMatchObject({ method: 'POST', path: '/v1/messages' });
    // This SDK sends the key as a bearer token; the adapter sends `x-api-key` (both are accepted).
    expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(fake.requests[0]?.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('honours stop_sequences and max_tokens', async () => {
    const stopped = await client.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 100,
      stop_sequences: [' three'],
      messages: [{ role: 'user', content: 'one two three four' }],
    });
    expect(stopped.content).toEqual([{ type: 'text', text: 'Echo: one two' }]);
    expect(stopped.stop_reason).toBe('stop_sequence');
    expect(stopped.stop_sequence).toBe(' three');
    const cut = await client.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 2,
      messages: [{ role: 'user', content: 'one two three four' }],
    });
    expect(cut.content).toEqual([{ type: 'text', text: 'Echo: one' }]);
    expect(cut.stop_reason).toBe('max_tokens');
    expect(cut.usage.output_tokens).toBe(2);
  });

  it('streams text with the exact event sequence, accumulated by the SDK', async () => {
    const stream = client.messages.stream({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'stream me please' }],
    });
    const names: string[] = [];
    stream.on('streamEvent', (event) => names.push(event.type));
    const final = await stream.finalMessage();
    expect(final.content).toMatchObject([{ type: 'text', text: 'Echo: stream me please' }]);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage).toMatchObject({ input_tokens: 3, output_tokens: 4 });
    expect(names[0]).toBe('message_start');
    expect(names[1]).toBe('content_block_start');
    expect(names.filter((name) => name === 'content_block_delta')).toHaveLength(4);
    expect(names.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
  });

  it('sends ping and names every event on the wire', async () => {
    const response = await fetch(`${fake.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'm', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const text = await response.text();
    const events = text.trim().split('\n\n').map((block) => block.split('\n')[0]);
    expect(events).toEqual([
      'event: message_start',
      'event: content_block_start',
      'event: ping',
      'event: content_block_delta',
      'event: content_block_delta',
      'event: content_block_stop',
      'event: message_delta',
      'event: message_stop',
    ]);
  });

  it('calls a forced tool with input matching its schema, streamed as input_json_delta', async () => {
    const stream = client.messages.stream({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      tools: [weatherTool],
      tool_choice: { type: 'any' },
      messages: [{ role: 'user', content: 'Paris weather' }],
    });
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content).toHaveLength(1);
    expect(final.content[0]).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris weather', days: 2 } });
    expect((final.content[0] as { id: string }).id).toMatch(/^toolu_/);
  });

  it('calls two tools in parallel when asked for several, one when parallel use is disabled', async () => {
    const request = {
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      tools: [weatherTool, timeTool],
      messages: [{ role: 'user' as const, content: 'Use get_weather and several others' }],
    };
    const parallel = await client.messages.create(request);
    expect(parallel.content.map((block) => block.type)).toEqual(['text', 'tool_use', 'tool_use']);
    expect(parallel.content.slice(1).map((block) => (block as { name: string }).name)).toEqual(['get_weather', 'get_time']);
    const single = await client.messages.create({ ...request, tool_choice: { type: 'auto', disable_parallel_tool_use: true } });
    expect(single.content.filter((block) => block.type === 'tool_use')).toHaveLength(1);
    const none = await client.messages.create({ ...request, tool_choice: { type: 'none' } });
    expect(none.stop_reason).toBe('end_turn');
  });

  it('accepts tool results that answer the previous turn and refuses ones that do not', async () => {
    const first = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      tools: [weatherTool],
      tool_choice: { type: 'tool', name: 'get_weather' },
      messages: [{ role: 'user', content: 'Oslo' }],
    });
    const toolUse = first.content[0] as { id: string };
    const answered = await client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'Oslo' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: 'sunny and mild' }] },
      ],
    });
    expect(answered.content).toEqual([{ type: 'text', text: 'Echo: sunny and mild' }]);
    const refused = client.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'Oslo' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_wrong', content: 'x' }] },
      ],
    });
    await expect(refused).rejects.toBeInstanceOf(BadRequestError);
    await expect(refused).rejects.toMatchObject({ status: 400, message: expect.stringContaining('toolu_wrong') });
  });

  it('counts tokens like the messages endpoint', async () => {
    const counted = await client.messages.countTokens({
      model: 'claude-sonnet-4-5',
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'hello there world' }],
    });
    expect(counted).toEqual({ input_tokens: 5 });
    expect(fake.requests[0]?.path).toBe('/v1/messages/count_tokens');
  });

  it('reports prompt cache writes, then reads, for a prefix marked cache_control', async () => {
    const request = {
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      system: [{ type: 'text' as const, text: 'a long shared preamble', cache_control: { type: 'ephemeral' as const } }],
      messages: [{ role: 'user' as const, content: 'question one' }],
    };
    const first = await client.messages.create(request);
    expect(first.usage).toMatchObject({ input_tokens: 2, cache_creation_input_tokens: 4, cache_read_input_tokens: 0 });
    const second = await client.messages.create(request);
    expect(second.usage).toMatchObject({ input_tokens: 2, cache_creation_input_tokens: 0, cache_read_input_tokens: 4 });
  });

  it('answers thinking first when thinking is enabled', async () => {
    const final = await client.messages
      .stream({
        model: 'claude-sonnet-4-5',
        max_tokens: 2000,
        thinking: { type: 'enabled', budget_tokens: 1024 },
        messages: [{ role: 'user', content: 'why' }],
      })
      .finalMessage();
    expect(final.content[0]).toMatchObject({ type: 'thinking', thinking: 'Thinking about: why', signature: expect.any(String) });
    expect(final.content[1]).toMatchObject({ type: 'text', text: 'Echo: why' });
  });

  it('accepts thinking in a tool loop whose assistant turn starts with its signed thinking block', async () => {
    const answer = await rawPost('/v1/messages', {
      model: 'm',
      max_tokens: 2048,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'a' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Weather needed.', signature: 'EqQBCgIYAhIM' },
            { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Oslo', days: 1 } },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' }] },
      ],
    });
    expect(answer.status).toBe(200);
  });

  it('lists models and creates and reads a batch', async () => {
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toContain('claude-sonnet-4-5-20250929');
    const batch = await client.messages.batches.create({
      requests: [{ custom_id: 'one', params: { model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] } }],
    });
    expect(batch).toMatchObject({ type: 'message_batch', processing_status: 'in_progress', request_counts: { processing: 1 } });
    expect((await client.messages.batches.retrieve(batch.id)).id).toBe(batch.id);
  });
});

describe('fake Anthropic refuses what Anthropic refuses', () => {
  it('answers 401 authentication_error for a wrong key, surfacing as the SDK error class', async () => {
    const wrong = new Anthropic({ apiKey: 'sk-ant-wrong', baseURL: fake.url, maxRetries: 0 });
    const call = wrong.messages.create({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
    await expect(call).rejects.toBeInstanceOf(AuthenticationError);
    await expect(call).rejects.toMatchObject({ error: { type: 'error', error: { type: 'authentication_error' } } });
  });

  it('requires anthropic-version', async () => {
    const response = await fetch(`${fake.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
      body: JSON.stringify({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('anthropic-version') } });
  });

  it.each([
    ['max_tokens missing', { model: 'm', messages: [{ role: 'user', content: 'hi' }] }, 'max_tokens'],
    ['an OpenAI field', { model: 'm', max_tokens: 5, seed: 1, messages: [{ role: 'user', content: 'hi' }] }, 'seed: Extra inputs'],
    ['temperature above 1', { model: 'm', max_tokens: 5, temperature: 1.5, messages: [{ role: 'user', content: 'hi' }] }, 'temperature'],
    ['a system role', { model: 'm', max_tokens: 5, messages: [{ role: 'system', content: 'hi' }] }, "'user' or 'assistant'"],
    ['assistant first', { model: 'm', max_tokens: 5, messages: [{ role: 'assistant', content: 'hi' }] }, 'first message'],
    [
      'two user turns in a row',
      { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }] },
      'alternate',
    ],
    ['an empty text block', { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'text', text: '' }] }] }, 'non-empty'],
    [
      'an OpenAI image part',
      { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] },
      'image_url',
    ],
    [
      'a tool call left unanswered',
      {
        model: 'm',
        max_tokens: 5,
        messages: [
          { role: 'user', content: 'a' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 't', input: {} }] },
          { role: 'user', content: 'b' },
        ],
      },
      'without `tool_result`',
    ],
    [
      'tool_choice naming an unknown tool',
      { model: 'm', max_tokens: 5, tools: [weatherTool], tool_choice: { type: 'tool', name: 'nope' }, messages: [{ role: 'user', content: 'a' }] },
      'not found',
    ],
    [
      'a thinking budget not below max_tokens',
      { model: 'm', max_tokens: 1024, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [{ role: 'user', content: 'a' }] },
      'budget_tokens',
    ],
    [
      'thinking with a tool loop whose assistant turn has no thinking block',
      {
        model: 'm',
        max_tokens: 2048,
        thinking: { type: 'enabled', budget_tokens: 1024 },
        tools: [weatherTool],
        messages: [
          { role: 'user', content: 'a' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' }] },
        ],
      },
      'Expected `thinking` or `redacted_thinking`, but found `tool_use`',
    ],
    [
      'an OpenAI image part inside a tool result',
      {
        model: 'm',
        max_tokens: 5,
        messages: [
          { role: 'user', content: 'a' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 't', input: {} }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] },
        ],
      },
      'tool_result.content.0.type',
    ],
    [
      'final assistant text ending in whitespace',
      { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b ' }] },
      'trailing whitespace',
    ],
  ])('answers 400 invalid_request_error for %s', async (_name, body, words) => {
    const answer = await rawPost('/v1/messages', body);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining(words) } });
    expect(answer.body.request_id).toMatch(/^req_/);
  });
});

describe('fake Anthropic faults', () => {
  it('answers a scripted 529 overloaded_error with retry-after, as the SDK error class', async () => {
    fake.script({ status: 529, retryAfter: 3 });
    const call = client.messages.create({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
    await expect(call).rejects.toBeInstanceOf(InternalServerError);
    await expect(call.catch((error: unknown) => error)).resolves.toMatchObject({
      status: 529,
      error: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    });
    fake.script({ status: 529, retryAfter: 3 });
    const raw = await rawPost('/v1/messages', { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
    expect(raw.headers.get('retry-after')).toBe('3');
  });

  it('sends an error event mid-stream', async () => {
    fake.script({ streamErrorAfterChunks: 2 });
    const stream = client.messages.stream({ model: 'm', max_tokens: 50, messages: [{ role: 'user', content: 'one two three' }] });
    await expect(stream.finalMessage()).rejects.toBeInstanceOf(APIError);
  });

  it('cuts a stream after some events', async () => {
    fake.script({ cutStreamAfterChunks: 3 });
    const stream = client.messages.stream({ model: 'm', max_tokens: 50, messages: [{ role: 'user', content: 'one two three' }] });
    await expect(stream.finalMessage()).rejects.toThrow();
    // The next call is served normally.
    const next = await client.messages.create({ model: 'm', max_tokens: 50, messages: [{ role: 'user', content: 'fine' }] });
    expect(next.content).toEqual([{ type: 'text', text: 'Echo: fine' }]);
  });
});
