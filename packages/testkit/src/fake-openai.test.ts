import OpenAI, { APIError, AzureOpenAI } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { embeddingVector, defaultEmbeddingDimensions } from './fake-openai-content.ts';
import { startFakeOpenAi, type FakeOpenAi } from './fake-openai.ts';

const apiKey = 'sk-test-fake-key-0123456789';
let fake: FakeOpenAi;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAi({ apiKey });
  client = new OpenAI({ apiKey, baseURL: fake.url, maxRetries: 0 });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
});

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, days: { type: 'integer' } },
      required: ['city', 'days'],
    },
  },
};

describe('fake OpenAI with the official SDK', () => {
  it('answers a chat completion with echo content and word-count usage', async () => {
    const { data, response } = await client.chat.completions
      .create({
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'hello there world' },
        ],
      })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.model).toBe('gpt-4o-mini');
    expect(data.choices[0]?.message.content).toBe('Echo: hello there world');
    expect(data.choices[0]?.finish_reason).toBe('stop');
    expect(data.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 });
    expect(response.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(fake.requests[0]).toMatchObject({ method: 'POST', path: '/v1/chat/completions' });
    expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${apiKey}`);
  });

  it('honours n, max_tokens and stop', async () => {
    const many = await client.chat.completions.create({
      model: 'gpt-4o',
      n: 3,
      messages: [{ role: 'user', content: 'one two' }],
    });
    expect(many.choices.map((choice) => choice.message.content)).toEqual(['Echo: one two', 'Echo 1: one two', 'Echo 2: one two']);
    const cut = await client.chat.completions.create({
      model: 'gpt-4o',
      max_tokens: 2,
      messages: [{ role: 'user', content: 'one two three four' }],
    });
    expect(cut.choices[0]?.message.content).toBe('Echo: one');
    expect(cut.choices[0]?.finish_reason).toBe('length');
    const stopped = await client.chat.completions.create({
      model: 'gpt-4o',
      stop: [' three'],
      messages: [{ role: 'user', content: 'one two three four' }],
    });
    expect(stopped.choices[0]?.message.content).toBe('Echo: one two');
  });

  it('streams chunks and a final usage-only chunk with include_usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'stream me please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('Echo: stream me please');
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
  });

  it('streams without usage when include_usage is not asked for', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((chunk) => chunk.usage === undefined && chunk.choices.length === 1)).toBe(true);
  });

  it('streams a tool call in pieces that the SDK reassembles', async () => {
    const stream = client.chat.completions.stream({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Paris' }],
      tools: [weatherTool],
      tool_choice: 'required',
    });
    const completion = await stream.finalChatCompletion();
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.type).toBe('function');
    if (call?.type !== 'function') throw new Error('expected a function call');
    expect(call.id).toMatch(/^call_/);
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Paris', days: 1 });
  });

  it('calls a tool named by tool_choice or mentioned by the user, and not for tool_choice none', async () => {
    const named = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Oslo' }],
      tools: [weatherTool],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
    expect(named.choices[0]?.message.tool_calls?.[0]).toMatchObject({ function: { name: 'get_weather' } });
    const mentioned = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'use get_weather' }],
      tools: [weatherTool],
    });
    expect(mentioned.choices[0]?.finish_reason).toBe('tool_calls');
    const none = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'use get_weather' }],
      tools: [weatherTool],
      tool_choice: 'none',
    });
    expect(none.choices[0]?.message.content).toBe('Echo: use get_weather');
  });

  it('answers JSON for response_format json_schema', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Ada' }],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'person', schema: { type: 'object', properties: { name: { type: 'string' } } } },
      },
    });
    expect(JSON.parse(completion.choices[0]?.message.content ?? '')).toEqual({ name: 'Ada' });
  });

  it('returns deterministic embeddings as floats and as base64 (the SDK decodes base64)', async () => {
    const floats = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['alpha beta', 'gamma'],
      encoding_format: 'float',
    });
    expect(floats.data).toHaveLength(2);
    expect(floats.data[0]?.embedding).toEqual(embeddingVector('alpha beta', defaultEmbeddingDimensions));
    expect(floats.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
    const decoded = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'alpha beta', dimensions: 4 });
    expect((fake.requests.at(-1)?.body as { encoding_format?: string }).encoding_format).toBe('base64');
    expect(decoded.data[0]?.embedding).toEqual(embeddingVector('alpha beta', 4));
  });

  it('lists models', async () => {
    const page = await client.models.list();
    expect(page.data.map((model) => model.id)).toContain('gpt-4o-mini');
  });

  it('rejects a wrong key with a 401 in OpenAI shape', async () => {
    const wrong = new OpenAI({ apiKey: 'sk-wrong-key-abcdefgh', baseURL: fake.url, maxRetries: 0 });
    const error = await wrong.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBe(401);
    expect((error as APIError).code).toBe('invalid_api_key');
    expect((error as APIError).message).not.toContain('sk-wrong-key-abcdefgh');
  });

  it('surfaces scripted faults as APIError with status, headers and body', async () => {
    fake.script([{ status: 429, retryAfter: 7, retryAfterMs: 6500 }, { status: 500 }]);
    const limited = (await client.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught)) as APIError;
    expect(limited).toBeInstanceOf(APIError);
    expect(limited.status).toBe(429);
    expect(limited.headers?.get('retry-after')).toBe('7');
    expect(limited.headers?.get('retry-after-ms')).toBe('6500');
    expect(limited.type).toBe('requests');
    const failed = (await client.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught)) as APIError;
    expect(failed.status).toBe(500);
    const fine = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    expect(fine.choices[0]?.message.content).toBe('Echo: hi');
  });

  it('validates like OpenAI: stream_options without stream is a 400', async () => {
    const error = (await client.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream_options: { include_usage: true } })
      .catch((caught: unknown) => caught)) as APIError;
    expect(error.status).toBe(400);
    expect(error.param).toBe('stream_options');
  });

  it('cuts a stream mid-way', async () => {
    fake.script({ cutStreamAfterChunks: 2 });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'a b c d e f' }],
      stream: true,
    });
    const received: string[] = [];
    await expect(async () => {
      for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? '');
    }).rejects.toThrow();
    expect(received).toEqual(['', 'Echo:']);
  });

  it('overrides usage and delays when scripted', async () => {
    fake.script({ usage: { prompt_tokens: 1000, completion_tokens: 50 }, delayMs: 50 });
    const started = Date.now();
    const completion = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(completion.usage).toMatchObject({ prompt_tokens: 1000, completion_tokens: 50, total_tokens: 1050 });
  });

  it('scripts faults per model, before the shared queue, and a standing fault once the model queue is empty', async () => {
    fake.script({ status: 502 });
    fake.scriptModel('gpt-4o', [{ status: 500 }, { status: 503 }]);
    fake.setModelFault('gpt-4o', { status: 409 });
    const status = (model: string) =>
      client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }).then(
        () => 200,
        (error: APIError) => error.status,
      );
    expect(await status('gpt-4o')).toBe(500);
    expect(await status('gpt-4o-mini')).toBe(502);
    expect(await status('gpt-4o')).toBe(503);
    expect(await status('gpt-4o')).toBe(409);
    expect(await status('gpt-4o')).toBe(409);
    expect(await status('gpt-4o-mini')).toBe(200);
    fake.setModelFault('gpt-4o', undefined);
    expect(await status('gpt-4o')).toBe(200);
  });

  it('resets the connection before any header, and delays only the first event of a stream', async () => {
    fake.script({ resetConnection: true });
    await expect(client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(
      OpenAI.APIConnectionError,
    );
    expect(fake.requests.at(-1)?.clientClosed).toBeUndefined();

    fake.script({ firstChunkDelayMs: 5_000 });
    const controller = new AbortController();
    // Headers come at once: the SDK hands back the stream before the first event.
    const stream = await client.chat.completions.create(
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'slow start' }], stream: true },
      { signal: controller.signal },
    );
    const first = stream[Symbol.asyncIterator]().next();
    controller.abort();
    // No event came before the client left: the stream ends (or fails) without a chunk.
    expect(await first.then((result) => result.done, () => true)).toBe(true);
    await expect.poll(() => fake.requests.at(-1)?.clientClosed).toBe(true);

    fake.script({ firstChunkDelayMs: 20 });
    const whole = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'a b' }], stream: true });
    let text = '';
    for await (const chunk of whole) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Echo: a b');
    expect(fake.requests.at(-1)?.clientClosed).toBeUndefined();
  });

  it('hangs until the client gives up', async () => {
    fake.script({ hang: true });
    const error = await client.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }, { timeout: 100 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
  });
});

describe('fake Azure OpenAI with the AzureOpenAI client', () => {
  it('serves chat, streams and embeddings on the deployment paths with the api-key header', async () => {
    const azure = new AzureOpenAI({
      endpoint: fake.origin,
      apiKey,
      apiVersion: '2024-10-21',
      deployment: 'my-gpt4o',
      maxRetries: 0,
    });
    const completion = await azure.chat.completions.create({ model: 'ignored', messages: [{ role: 'user', content: 'hi azure' }] });
    expect(completion.choices[0]?.message.content).toBe('Echo: hi azure');
    expect(completion.model).toBe('my-gpt4o');
    const request = fake.requests[0];
    expect(request?.path).toBe('/openai/deployments/my-gpt4o/chat/completions');
    expect(request?.query['api-version']).toBe('2024-10-21');
    expect(request?.headers['api-key']).toBe(apiKey);

    const stream = azure.chat.completions.stream({
      model: 'ignored',
      messages: [{ role: 'user', content: 'streamed azure' }],
      stream_options: { include_usage: true },
    });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe('Echo: streamed azure');

    const embeddings = await azure.embeddings.create({ model: 'ignored', input: 'vector', encoding_format: 'float' });
    expect(embeddings.data[0]?.embedding).toEqual(embeddingVector('vector', defaultEmbeddingDimensions));
    expect(fake.requests.at(-1)?.path).toBe('/openai/deployments/my-gpt4o/embeddings');
  });

  it('rejects a wrong api-key in Azure shape', async () => {
    const azure = new AzureOpenAI({ endpoint: fake.origin, apiKey: 'nope', apiVersion: '2024-10-21', deployment: 'd', maxRetries: 0 });
    const error = (await azure.chat.completions
      .create({ model: 'd', messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught)) as APIError;
    expect(error).toBeInstanceOf(APIError);
    expect(error.status).toBe(401);
    expect(error.message).toContain('Access denied');
  });
});
