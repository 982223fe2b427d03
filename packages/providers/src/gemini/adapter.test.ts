import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MockAgent } from 'undici';
import type { ChatCompletionRequest } from '@gateway/contracts';
import { embeddingVector, startFakeGemini, type FakeGemini } from '@gateway/testkit';
import { createAdapter } from '../create-adapter.ts';
import type { ImageFetcher, ProviderAdapter, StreamPart } from '../types.ts';

const apiKey = 'AIzaSyTestKeyForTheFakeGemini0123456';
let fake: FakeGemini;
let adapter: ProviderAdapter;

beforeAll(async () => {
  fake = await startFakeGemini({ apiKey });
  adapter = createAdapter({ name: 'gemini-main', type: 'gemini', baseUrl: fake.url, apiKey, headers: { 'x-team': 'search' } });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
});

async function collect(parts: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const collected: StreamPart[] = [];
  for await (const part of parts) collected.push(part);
  return collected;
}

const hello: ChatCompletionRequest = { model: 'alias', messages: [{ role: 'user', content: 'hello big world' }] };
const weather = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city'] },
  },
};

describe('gemini adapter against the fake Gemini', () => {
  it('calls generateContent with the key in a header, never in the URL', async () => {
    const result = await adapter.chat({ request: hello, model: 'gemini-2.5-flash', requestId: 'req-1' });
    expect(result.response.choices[0]?.message.content).toBe('Echo: hello big world');
    expect(result.response.model).toBe('gemini-2.5-flash');
    expect(result.response.id).toMatch(/^chatcmpl-/);
    expect(result.usage).toEqual({ inputTokens: 3, outputTokens: 4 });
    // The OpenAI usage every translating adapter gives: details only when they hold tokens.
    expect(result.response.usage).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
    expect(result.finishReason).toEqual({ unified: 'stop', raw: 'STOP' });
    expect(result.warnings).toEqual([]);
    const received = fake.requests[0];
    expect(received?.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(received?.query).toEqual({});
    expect(received?.headers['x-goog-api-key']).toBe(apiKey);
    expect(received?.headers['x-team']).toBe('search');
    expect(received?.body).toEqual({ contents: [{ role: 'user', parts: [{ text: 'hello big world' }] }] });
  });

  it('does not double the models/ prefix, and works with a base URL that names the version', async () => {
    await adapter.chat({ request: hello, model: 'models/gemini-2.5-flash', requestId: 'req-2' });
    expect(fake.requests[0]?.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    for (const version of ['v1beta', 'v1']) {
      const versioned = createAdapter({ name: 'g', type: 'gemini', baseUrl: `${fake.url}/${version}/`, apiKey });
      await versioned.chat({ request: hello, model: 'gemini-2.5-flash', requestId: 'req-3' });
      expect(fake.requests.at(-1)?.path).toBe(`/${version}/models/gemini-2.5-flash:generateContent`);
      expect(versioned.passthrough?.()).toEqual({ baseUrl: fake.url, headers: { 'x-goog-api-key': apiKey } });
    }
  });

  it('maps length, stop, n and JSON schema output through the real request shape', async () => {
    const cut = await adapter.chat({ request: { ...hello, max_tokens: 2 }, model: 'gemini-2.5-flash', requestId: 'r' });
    expect(cut.response.choices[0]?.message.content).toBe('Echo: hello');
    expect(cut.finishReason).toEqual({ unified: 'length', raw: 'MAX_TOKENS' });
    const many = await adapter.chat({ request: { ...hello, n: 2, stop: [' big'] }, model: 'gemini-2.5-flash', requestId: 'r' });
    expect(many.response.choices.map((choice) => choice.message.content)).toEqual(['Echo: hello', 'Echo 1: hello']);
    const schema = { type: 'object', properties: { answer: { type: 'string' }, count: { type: 'integer' } }, required: ['answer', 'count'] };
    const structured = await adapter.chat({
      request: { ...hello, response_format: { type: 'json_schema', json_schema: { name: 'a', schema } } },
      model: 'gemini-2.5-flash',
      requestId: 'r',
    });
    expect(JSON.parse(structured.response.choices[0]?.message.content ?? '')).toEqual({ answer: 'hello big world', count: 3 });
  });

  it('answers the thoughts of a reasoning_effort request as reasoning_content', async () => {
    const result = await adapter.chat({ request: { ...hello, reasoning_effort: 'low' }, model: 'gemini-2.5-flash', requestId: 'r' });
    expect(result.response.choices[0]?.message.reasoning_content).toBe('Thinking about: hello big world');
    expect(result.response.choices[0]?.message.content).toBe('Echo: hello big world');
  });

  it('runs a whole tool round trip, thought signatures included, on a Gemini 3 model', async () => {
    const request: ChatCompletionRequest = { ...hello, tools: [weather], tool_choice: 'required' };
    const first = await adapter.chat({ request, model: 'gemini-3-pro-preview', requestId: 'r' });
    const toolCalls = first.response.choices[0]?.message.tool_calls as Array<{ id: string; function: { arguments: string } }>;
    expect(first.finishReason).toEqual({ unified: 'tool_calls', raw: 'STOP' });
    expect(JSON.parse(toolCalls[0]?.function.arguments ?? '')).toEqual({ city: 'hello big world', days: 3 });
    const second = await adapter.chat({
      request: {
        ...hello,
        tools: [weather],
        messages: [
          ...hello.messages,
          { role: 'assistant', content: null, tool_calls: toolCalls },
          { role: 'tool', tool_call_id: toolCalls[0]?.id, content: '{"temperature":21}' },
        ],
      },
      model: 'gemini-3-pro-preview',
      requestId: 'r',
    });
    expect(second.response.choices[0]?.message.content).toBe('Echo: {"temperature":21}');
    const sent = fake.requests[1]?.body as { contents: Array<{ parts: Array<Record<string, unknown>> }> };
    expect(sent.contents[1]?.parts[0]?.thoughtSignature).toEqual(expect.any(String));
  });

  it('fetches an http image through the injected fetcher', async () => {
    const fetchImage: ImageFetcher = async () => ({ mediaType: 'image/png', data: Buffer.from('png') });
    const withImages = createAdapter({ name: 'g', type: 'gemini', baseUrl: fake.url, apiKey }, { fetchImage });
    await withImages.chat({
      request: { ...hello, messages: [{ role: 'user', content: [{ type: 'text', text: 'see' }, { type: 'image_url', image_url: { url: 'https://img.example/a.png' } }] }] },
      model: 'gemini-2.5-flash',
      requestId: 'r',
    });
    expect((fake.requests[0]?.body as { contents: unknown[] }).contents).toEqual([
      { role: 'user', parts: [{ text: 'see' }, { inlineData: { mimeType: 'image/png', data: Buffer.from('png').toString('base64') } }] },
    ]);
  });

  it('streams from the fake over SSE', async () => {
    const opened = await adapter.chatStream({ request: { ...hello, stream: true }, model: 'gemini-2.5-flash', requestId: 'r' });
    const parts = await collect(opened.parts);
    expect(fake.requests[0]?.query).toEqual({ alt: 'sse' });
    expect(parts.map((part) => (part.type === 'chunk' ? (part.chunk.choices[0]?.delta.content ?? '') : '')).join('')).toBe('Echo: hello big world');
    expect(parts.at(-1)).toEqual({ type: 'finish', finishReason: { unified: 'stop', raw: 'STOP' }, usage: { inputTokens: 3, outputTokens: 4 } });
  });

  it('fails a stream cut mid-way as the connection breaking off', async () => {
    fake.script({ cutStreamAfterChunks: 1 });
    const opened = await adapter.chatStream({ request: { ...hello, stream: true }, model: 'gemini-2.5-flash', requestId: 'r' });
    await expect(collect(opened.parts)).rejects.toMatchObject({ code: 'provider_unavailable' });
  });

  it('embeds texts with batchEmbedContents and estimates usage with a warning', async () => {
    const result = await adapter.embeddings({
      request: { model: 'alias', input: ['one two', 'three'], dimensions: 4 },
      model: 'gemini-embedding-001',
      requestId: 'r',
    });
    expect(fake.requests[0]?.path).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
    expect(fake.requests[0]?.body).toEqual({
      requests: [
        { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'one two' }] }, outputDimensionality: 4 },
        { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'three' }] }, outputDimensionality: 4 },
      ],
    });
    expect(result.response.data.map((item) => item.embedding)).toEqual([embeddingVector('one two', 4), embeddingVector('three', 4)]);
    expect(result.usage).toEqual({ inputTokens: 4, outputTokens: 0 });
    expect(result.warnings).toEqual([{ type: 'other', message: expect.stringContaining('estimated at 4 characters a token') }]);
    await expect(
      adapter.embeddings({ request: { model: 'alias', input: [1, 2, 3] }, model: 'gemini-embedding-001', requestId: 'r' }),
    ).rejects.toMatchObject({ code: 'invalid_request', param: 'input' });
  });
});

describe('gemini adapter: strict mode and settings', () => {
  it('refuses in strict mode before fetching any image', async () => {
    const fetched: string[] = [];
    const fetchImage: ImageFetcher = async (url) => {
      fetched.push(url);
      return { mediaType: 'image/png', data: Buffer.from('png') };
    };
    const withImages = createAdapter({ name: 'g', type: 'gemini', baseUrl: fake.url, apiKey }, { fetchImage });
    const request: ChatCompletionRequest = {
      ...hello,
      logit_bias: { '1': 5 },
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://img.example/a.png' } }] }],
    };
    await expect(withImages.chat({ request, model: 'gemini-2.5-flash', requestId: 'r', strict: true })).rejects.toMatchObject({ param: 'logit_bias' });
    await expect(withImages.chatStream({ request, model: 'gemini-2.5-flash', requestId: 'r', strict: true })).rejects.toMatchObject({ param: 'logit_bias' });
    expect(fetched).toEqual([]);
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses in strict mode what it would otherwise only warn about, before calling', async () => {
    await expect(
      adapter.chat({ request: { ...hello, logit_bias: { '1': 5 } }, model: 'gemini-2.5-flash', requestId: 'r', strict: true }),
    ).rejects.toMatchObject({ code: 'invalid_request', param: 'logit_bias' });
    expect(fake.requests).toHaveLength(0);
    const lax = await adapter.chat({ request: { ...hello, logit_bias: { '1': 5 } }, model: 'gemini-2.5-flash', requestId: 'r' });
    expect(lax.warnings.map((warning) => warning.setting)).toEqual(['logit_bias']);
  });

  it('never lets configured headers replace the API key, on calls and on pass-through', async () => {
    const overriding = createAdapter({
      name: 'g',
      type: 'gemini',
      baseUrl: fake.url,
      apiKey,
      headers: { 'x-goog-api-key': 'configured-key', 'X-Goog-Api-Key': 'configured-key', 'x-team': 'search' },
    });
    expect(overriding.passthrough?.()).toEqual({ baseUrl: fake.url, headers: { 'x-team': 'search', 'x-goog-api-key': apiKey } });
    const result = await overriding.chat({ request: hello, model: 'gemini-2.5-flash', requestId: 'r' });
    expect(result.response.choices[0]?.message.content).toBe('Echo: hello big world');
    expect(fake.requests[0]?.headers['x-goog-api-key']).toBe(apiKey);
  });

  it('needs an API key', () => {
    expect(() => createAdapter({ name: 'g', type: 'gemini' })).toThrow(expect.objectContaining({ code: 'invalid_request', param: 'api_key' }));
  });

  it('calls the public endpoint by default and passes through to it', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    const paths: string[] = [];
    agent
      .get('https://generativelanguage.googleapis.com')
      .intercept({ path: () => true, method: 'POST' })
      .reply(200, (options) => {
        paths.push(options.path);
        return { candidates: [{ content: { parts: [{ text: 'ok' }] }, finishReason: 'STOP' }] };
      });
    const defaults = createAdapter({ name: 'g', type: 'gemini', apiKey: 'k-123456789' }, { dispatcher: agent });
    await defaults.chat({ request: hello, model: 'gemini-2.5-flash', requestId: 'r' });
    expect(paths).toEqual(['/v1beta/models/gemini-2.5-flash:generateContent']);
    expect(defaults.passthrough?.()).toEqual({ baseUrl: 'https://generativelanguage.googleapis.com', headers: { 'x-goog-api-key': 'k-123456789' } });
    await agent.close();
  });
});

describe('gemini adapter: errors in Google shape', () => {
  it('maps 429 RESOURCE_EXHAUSTED to a retryable rate limit with Retry-After', async () => {
    fake.script({ status: 429, retryAfter: 7 });
    await expect(adapter.chat({ request: hello, model: 'gemini-2.5-flash', requestId: 'r' })).rejects.toMatchObject({
      code: 'rate_limited',
      retryable: true,
      retryAfterMs: 7000,
    });
  });

  it("shows a 400 INVALID_ARGUMENT's message, scrubbed", async () => {
    fake.script({ status: 400, body: { error: { code: 400, message: `* GenerateContentRequest.generation_config.top_k: must be positive (key ${apiKey})`, status: 'INVALID_ARGUMENT' } } });
    const error = await adapter.chat({ request: hello, model: 'gemini-2.5-flash', requestId: 'r' }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'invalid_request', retryable: false });
    expect((error as Error).message).toContain('top_k: must be positive');
    expect((error as Error).message).not.toContain(apiKey);
  });

  it('withholds a 403 PERMISSION_DENIED message and treats a rejected key as a credential failure', async () => {
    fake.script({ status: 403, body: { error: { code: 403, message: 'Project 1234 internal detail', status: 'PERMISSION_DENIED' } } });
    const denied = await adapter.chat({ request: hello, model: 'gemini-2.5-flash', requestId: 'r' }).catch((caught: unknown) => caught);
    expect(denied).toMatchObject({ code: 'provider_error', message: "provider gemini-main rejected the gateway's credentials (403)" });
    const wrongKey = createAdapter({ name: 'g', type: 'gemini', baseUrl: fake.url, apiKey: 'AIzaSyWrongWrongWrong0000000000' });
    const invalidKey = await wrongKey.chat({ request: hello, model: 'gemini-2.5-flash', requestId: 'r' }).catch((caught: unknown) => caught);
    expect(invalidKey).toMatchObject({ code: 'provider_error', retryable: false });
    expect((invalidKey as Error).message).not.toContain('API key not valid');
  });

  it('answers a translation the real API would refuse with the fake rejecting it too', async () => {
    const error = await adapter
      .chat({ request: { ...hello, tools: [{ ...weather, function: { ...weather.function, name: 'bad name!' } }] }, model: 'gemini-2.5-flash', requestId: 'r' })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'invalid_request', message: expect.stringContaining('Invalid function name') });
  });
});
