import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Agent, MockAgent } from 'undici';
import type { ChatCompletionRequest } from '@gateway/contracts';
import { embeddingVector, startFakeOpenAi, type FakeOpenAi } from '@gateway/testkit';
import { createAdapter } from '../create-adapter.ts';
import { chunkVisibleToClient } from '../stream-usage.ts';
import type { ProviderAdapter, StreamPart } from '../types.ts';

const apiKey = 'sk-test-adapter-key-123456';
let fake: FakeOpenAi;
let adapter: ProviderAdapter;

beforeAll(async () => {
  fake = await startFakeOpenAi({ apiKey });
  adapter = createAdapter({ name: 'openai-main', type: 'openai', baseUrl: fake.url, apiKey });
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

function chunkText(parts: StreamPart[]): string {
  return parts
    .map((part) => (part.type === 'chunk' ? (part.chunk.choices[0]?.delta.content ?? '') : ''))
    .join('');
}

const hello: ChatCompletionRequest = { model: 'my-alias', messages: [{ role: 'user', content: 'hello big world' }] };

describe('openai-compatible adapter: chat', () => {
  it('answers a completion with usage and a unified and raw finish reason', async () => {
    const result = await adapter.chat({ request: hello, model: 'gpt-4o-mini', requestId: 'req-1' });
    expect(result.response.choices[0]?.message.content).toBe('Echo: hello big world');
    expect(result.response.model).toBe('gpt-4o-mini');
    expect(result.response.object).toBe('chat.completion');
    expect(result.usage).toEqual({ inputTokens: 3, outputTokens: 4 });
    expect(result.finishReason).toEqual({ unified: 'stop', raw: 'stop' });
    expect(result.warnings).toEqual([]);
    const received = fake.requests[0];
    expect(received?.path).toBe('/v1/chat/completions');
    expect(received?.headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(received?.headers['x-request-id']).toBe('req-1');
    expect(received?.body).toEqual({ model: 'gpt-4o-mini', messages: hello.messages });
  });

  it('maps a length finish', async () => {
    const result = await adapter.chat({
      request: { ...hello, max_tokens: 1 },
      model: 'gpt-4o-mini',
      requestId: 'req-2',
    });
    expect(result.finishReason).toEqual({ unified: 'length', raw: 'length' });
  });

  it('sends a lone max_tokens to OpenAI and Azure OpenAI as max_completion_tokens, which reasoning models require', async () => {
    const cut = await adapter.chat({ request: { ...hello, max_tokens: 1 }, model: 'o3-mini', requestId: 'r' });
    expect(fake.requests[0]?.body).toEqual({ model: 'o3-mini', messages: hello.messages, max_completion_tokens: 1 });
    expect(cut.finishReason.unified).toBe('length');
    const azure = createAdapter({ name: 'azure', type: 'azure-openai', baseUrl: fake.origin, apiKey });
    await azure.chatStream({ request: { ...hello, stream: true, max_tokens: 5 }, model: 'o3-deployment', requestId: 'r' }).then((opened) => collect(opened.parts));
    expect(fake.requests[1]?.body).toMatchObject({ max_completion_tokens: 5 });
    expect(fake.requests[1]?.body).not.toHaveProperty('max_tokens');
    // Both given: the client's request goes as it came.
    await adapter.chat({ request: { ...hello, max_tokens: 3, max_completion_tokens: 4 }, model: 'gpt-4o', requestId: 'r' });
    expect(fake.requests[2]?.body).toMatchObject({ max_tokens: 3, max_completion_tokens: 4 });
    // Other vendors keep max_tokens.
    const groq = createAdapter({ name: 'groq', type: 'groq', baseUrl: fake.url, apiKey });
    await groq.chat({ request: { ...hello, max_tokens: 2 }, model: 'llama-3.1-8b-instant', requestId: 'r' });
    expect(fake.requests[3]?.body).toEqual({ model: 'llama-3.1-8b-instant', messages: hello.messages, max_tokens: 2 });
  });

  it('passes every request field through unchanged except model', async () => {
    const tools = [
      {
        type: 'function',
        function: {
          name: 'lookup',
          description: 'Look a thing up',
          parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
          strict: true,
        },
      },
    ];
    const request: ChatCompletionRequest = {
      model: 'client-facing-name',
      messages: [
        { role: 'system', content: 'You are terse.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this image?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
          ],
        },
      ],
      tools,
      tool_choice: { type: 'function', function: { name: 'lookup' } },
      parallel_tool_calls: false,
      response_format: { type: 'json_schema', json_schema: { name: 'answer', strict: true, schema: { type: 'object' } } },
      n: 2,
      seed: 42,
      stop: ['END'],
      logprobs: true,
      top_logprobs: 2,
      user: 'user-7',
      temperature: 0.2,
      metadata: { team: 'search' },
      some_future_field: { nested: [1, 2, 3] },
    };
    const result = await adapter.chat({ request, model: 'gpt-4o', requestId: 'req-3' });
    expect(fake.requests[0]?.body).toEqual({ ...request, model: 'gpt-4o' });
    expect(result.response.choices).toHaveLength(2);
    expect(result.response.choices[0]?.message.tool_calls).toEqual([
      expect.objectContaining({ type: 'function', function: { name: 'lookup', arguments: expect.any(String) } }),
    ]);
    expect(result.finishReason).toEqual({ unified: 'tool_calls', raw: 'tool_calls' });
  });

  it('strips stream and stream_options from a non-stream call', async () => {
    await adapter.chat({
      request: { ...hello, stream: true, stream_options: { include_usage: true } },
      model: 'gpt-4o-mini',
      requestId: 'req-4',
    });
    const body = fake.requests[0]?.body as Record<string, unknown>;
    expect(body).not.toHaveProperty('stream');
    expect(body).not.toHaveProperty('stream_options');
  });
});

describe('openai-compatible adapter: stream', () => {
  it('streams chunks, asks for usage upstream and marks the usage-only chunk', async () => {
    const opened = await adapter.chatStream({ request: { ...hello, stream: true }, model: 'gpt-4o-mini', requestId: 'req-5' });
    const parts = await collect(opened.parts);
    expect((fake.requests[0]?.body as Record<string, unknown>).stream_options).toEqual({ include_usage: true });
    expect((fake.requests[0]?.headers.accept)).toBe('text/event-stream');
    expect(chunkText(parts)).toBe('Echo: hello big world');
    const finish = parts.at(-1);
    expect(finish).toEqual({
      type: 'finish',
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: { inputTokens: 3, outputTokens: 4 },
    });
    const usageChunk = parts.at(-2);
    expect(usageChunk?.type === 'chunk' && usageChunk.usageOnly).toBe(true);
    expect(usageChunk?.type === 'chunk' && usageChunk.chunk.choices).toEqual([]);
    const chunkParts = parts.filter((part) => part.type === 'chunk');
    expect(chunkParts.filter((part) => part.usageOnly)).toHaveLength(1);
    // A client that did not ask for usage does not see it; one that asked does.
    expect(chunkParts.filter((part) => chunkVisibleToClient(part, { ...hello, stream: true }))).toHaveLength(chunkParts.length - 1);
    expect(
      chunkParts.filter((part) => chunkVisibleToClient(part, { ...hello, stream: true, stream_options: { include_usage: true } })),
    ).toHaveLength(chunkParts.length);
  });

  it("keeps the client's other stream_options", async () => {
    const opened = await adapter.chatStream({
      request: { ...hello, stream: true, stream_options: { include_usage: false, include_obfuscation: false } },
      model: 'gpt-4o-mini',
      requestId: 'req-6',
    });
    await collect(opened.parts);
    expect((fake.requests[0]?.body as Record<string, unknown>).stream_options).toEqual({
      include_usage: true,
      include_obfuscation: false,
    });
  });

  it('streams tool call deltas as they came', async () => {
    const opened = await adapter.chatStream({
      request: {
        ...hello,
        stream: true,
        tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }],
        tool_choice: 'required',
      },
      model: 'gpt-4o',
      requestId: 'req-7',
    });
    const parts = await collect(opened.parts);
    const argumentsText = parts
      .flatMap((part) => (part.type === 'chunk' ? part.chunk.choices : []))
      .map((choice) => {
        const calls = choice.delta.tool_calls as Array<{ function?: { arguments?: string } }> | undefined;
        return calls?.[0]?.function?.arguments ?? '';
      })
      .join('');
    expect(JSON.parse(argumentsText)).toEqual({ q: 'hello big world' });
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'tool_calls', raw: 'tool_calls' } });
  });

  it('lets a consumer stop early, the connection staying usable', async () => {
    const opened = await adapter.chatStream({ request: { ...hello, stream: true }, model: 'gpt-4o-mini', requestId: 'req-8' });
    for await (const part of opened.parts) {
      expect(part.type).toBe('chunk');
      break;
    }
    const again = await adapter.chat({ request: hello, model: 'gpt-4o-mini', requestId: 'req-9' });
    expect(again.response.choices[0]?.message.content).toBe('Echo: hello big world');
  });

  it('keeps connections alive across calls and whole streams', async () => {
    const agent = new Agent({ connections: 4 });
    const own = createAdapter({ name: 'openai-main', type: 'openai', baseUrl: fake.url, apiKey }, { dispatcher: agent });
    for (let round = 0; round < 3; round += 1) {
      const opened = await own.chatStream({ request: { ...hello, stream: true }, model: 'gpt-4o-mini', requestId: `s${round}` });
      const parts = await collect(opened.parts);
      expect(parts.at(-1)).toMatchObject({ type: 'finish' });
      await own.chat({ request: hello, model: 'gpt-4o-mini', requestId: `c${round}` });
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Six calls, not six connections. The end of a stream's body is read just after `[DONE]` (the
    // finish part does not wait for it), so a call right after a stream may take a second connection.
    const stats = agent.stats[fake.origin] as { connected: number };
    expect(stats.connected).toBeGreaterThanOrEqual(1);
    expect(stats.connected).toBeLessThanOrEqual(2);
    await agent.close();
  });
});

describe('openai-compatible adapter: embeddings', () => {
  it('returns float and base64 embeddings with usage', async () => {
    const floats = await adapter.embeddings({
      request: { model: 'alias', input: ['one two', 'three'], encoding_format: 'float', dimensions: 4 },
      model: 'text-embedding-3-small',
      requestId: 'req-10',
    });
    expect(fake.requests[0]?.path).toBe('/v1/embeddings');
    expect(fake.requests[0]?.body).toEqual({
      model: 'text-embedding-3-small',
      input: ['one two', 'three'],
      encoding_format: 'float',
      dimensions: 4,
    });
    expect(floats.response.data[1]?.embedding).toEqual(embeddingVector('three', 4));
    expect(floats.usage).toEqual({ inputTokens: 3, outputTokens: 0 });
    expect(floats.response.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });

    const base64 = await adapter.embeddings({
      request: { model: 'alias', input: 'one two', encoding_format: 'base64' },
      model: 'text-embedding-3-small',
      requestId: 'req-11',
    });
    expect(typeof base64.response.data[0]?.embedding).toBe('string');
  });
});

describe('OpenAI-compatible vendors as data', () => {
  it('calls each vendor at its default base URL with its key', async () => {
    // A recording dispatcher: the vendors' real hosts are never called.
    const calls: Array<{ url: string; headers: Record<string, string> }> = [];
    const recording = new MockAgent();
    recording.disableNetConnect();
    const answer = (origin: string): void => {
      recording
        .get(origin)
        .intercept({ path: () => true, method: 'POST' })
        .reply(200, (options) => {
          calls.push({ url: `${String(options.origin)}${options.path}`, headers: options.headers as Record<string, string> });
          return JSON.stringify({ id: 'x', choices: [{ message: { content: 'ok' }, finish_reason: 'eos' }] });
        }, { headers: { 'content-type': 'application/json' } })
        .persist();
    };
    const expected = {
      openai: 'https://api.openai.com/v1/chat/completions',
      groq: 'https://api.groq.com/openai/v1/chat/completions',
      mistral: 'https://api.mistral.ai/v1/chat/completions',
      together: 'https://api.together.xyz/v1/chat/completions',
      deepseek: 'https://api.deepseek.com/v1/chat/completions',
      openrouter: 'https://openrouter.ai/api/v1/chat/completions',
      fireworks: 'https://api.fireworks.ai/inference/v1/chat/completions',
      xai: 'https://api.x.ai/v1/chat/completions',
    } as const;
    for (const url of [...Object.values(expected), 'http://127.0.0.1:11434']) answer(new URL(url).origin);
    for (const [type, url] of Object.entries(expected)) {
      const vendor = createAdapter({ name: type, type: type as keyof typeof expected, apiKey: 'k-123' }, { dispatcher: recording });
      const result = await vendor.chat({ request: hello, model: 'm', requestId: 'r' });
      expect(calls.at(-1)?.url).toBe(url);
      expect(calls.at(-1)?.headers.authorization).toBe('Bearer k-123');
      // A lax vendor: missing fields filled, a vendor finish reason unified, missing usage warned about.
      expect(result.response).toMatchObject({ object: 'chat.completion', model: 'm', choices: [{ index: 0 }] });
      expect(result.finishReason).toEqual({ unified: 'stop', raw: 'eos' });
      expect(result.warnings).toEqual([expect.objectContaining({ type: 'other' })]);
    }
    const ollama = createAdapter({ name: 'local', type: 'ollama' }, { dispatcher: recording });
    await ollama.chat({ request: hello, model: 'llama3.2', requestId: 'r' });
    expect(calls.at(-1)?.url).toBe('http://127.0.0.1:11434/v1/chat/completions');
    expect(calls.at(-1)?.headers).not.toHaveProperty('authorization');
    await recording.close();
  });

  it('talks to any OpenAI-compatible server at its base URL, with configured extra headers', async () => {
    const vllm = createAdapter({
      name: 'vllm',
      type: 'openai-compatible',
      baseUrl: `${fake.url}/`,
      apiKey,
      headers: { 'x-team': 'search' },
    });
    await vllm.chat({ request: hello, model: 'meta-llama/Llama-3.1-8B-Instruct', requestId: 'r' });
    expect(fake.requests[0]?.path).toBe('/v1/chat/completions');
    expect(fake.requests[0]?.headers['x-team']).toBe('search');
  });

  it('sends no stream_options to Mistral, which rejects them, and says so', async () => {
    const mistral = createAdapter({ name: 'mistral', type: 'mistral', baseUrl: fake.url, apiKey });
    const opened = await mistral.chatStream({
      request: { ...hello, stream: true, stream_options: { include_usage: true } },
      model: 'mistral-small-latest',
      requestId: 'r',
    });
    const parts = await collect(opened.parts);
    expect(fake.requests[0]?.body).not.toHaveProperty('stream_options');
    expect(opened.warnings).toEqual([expect.objectContaining({ type: 'unsupported-setting', setting: 'stream_options' })]);
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'stop' } });
  });
});

describe('openai-compatible adapter: strict mode, token details and pass-through', () => {
  it('refuses in strict mode what it would otherwise only warn about, before calling the provider', async () => {
    const mistral = createAdapter({ name: 'mistral', type: 'mistral', baseUrl: fake.url, apiKey });
    const refused = await mistral
      .chatStream({ request: { ...hello, stream: true, stream_options: { include_usage: true } }, model: 'm', requestId: 'r', strict: true })
      .catch((caught: unknown) => caught);
    expect(refused).toMatchObject({ code: 'invalid_request', param: 'stream_options' });
    expect((refused as Error).message).toMatch(/^strict mode: provider mistral cannot/);
    expect(fake.requests).toHaveLength(0);
  });

  it('reads cached and reasoning tokens from the usage details', async () => {
    fake.script({ usage: { prompt_tokens: 100, completion_tokens: 40, prompt_tokens_details: { cached_tokens: 64 }, completion_tokens_details: { reasoning_tokens: 30 } } });
    const result = await adapter.chat({ request: hello, model: 'o3-mini', requestId: 'r' });
    expect(result.usage).toEqual({ inputTokens: 100, outputTokens: 40, cachedInputTokens: 64, reasoningTokens: 30 });
  });

  it('points pass-through calls at the configured base URL with the provider key', () => {
    expect(adapter.passthrough?.()).toEqual({ baseUrl: fake.url, headers: { authorization: `Bearer ${apiKey}` } });
    const azure = createAdapter({ name: 'az', type: 'azure-openai', baseUrl: 'https://r.openai.azure.com/', apiKey: 'azure-key', apiVersion: 'v' });
    expect(azure.passthrough?.()).toEqual({ baseUrl: 'https://r.openai.azure.com', headers: { 'api-key': 'azure-key' } });
  });
});

describe('openai-compatible adapter: an error event inside a stream', () => {
  it("fails from the parts with a public message that leaves out the provider's words", async () => {
    const events = [
      'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}\n\n',
      'data: {"error":{"message":"worker crashed at http://10.0.0.5:8000 db=postgres://admin:hunter2@db.internal/x"}}\n\n',
    ];
    const streaming = new MockAgent();
    streaming.disableNetConnect();
    streaming
      .get('http://vllm.invalid')
      .intercept({ path: '/v1/chat/completions', method: 'POST' })
      .reply(200, events.join(''), { headers: { 'content-type': 'text/event-stream' } });
    const failing = createAdapter({ name: 'vllm', type: 'openai-compatible', baseUrl: 'http://vllm.invalid/v1' }, { dispatcher: streaming });
    const opened = await failing.chatStream({ request: { ...hello, stream: true }, model: 'm', requestId: 'r' });
    const error = await collect(opened.parts).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'provider_error',
      message: 'provider vllm reported an error mid-stream',
      upstreamMessage: 'worker crashed at http://10.0.0.5:8000 db=postgres://***@db.internal/x',
    });
    expect(String((error as Error).cause)).toContain('postgres://***@db.internal/x');
    await streaming.close();
  });
});
