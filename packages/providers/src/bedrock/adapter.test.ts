import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatCompletionRequest } from '@gateway/contracts';
import { startFakeBedrock, type FakeBedrock } from '@gateway/testkit';
import { createAdapter } from '../create-adapter.ts';
import { ProviderError } from '../errors.ts';
import type { ProviderAdapter, StreamPart } from '../types.ts';
import { createBedrockAdapter } from './adapter.ts';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const region = 'eu-west-3';
const apiKey = 'bedrock-api-key-for-tests-0001';
const model = 'anthropic.claude-3-5-sonnet-20240620-v1:0';

let fake: FakeBedrock;
let adapter: ProviderAdapter;

beforeAll(async () => {
  fake = await startFakeBedrock({ credentials, region, apiKey });
  adapter = createAdapter({ name: 'bedrock-main', type: 'bedrock', baseUrl: fake.url, region, aws: credentials });
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

function contentOf(parts: StreamPart[]): string {
  return parts.map((part) => (part.type === 'chunk' ? String(part.chunk.choices[0]?.delta.content ?? '') : '')).join('');
}

const hello: ChatCompletionRequest = {
  model: 'alias',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'hello big world' },
  ],
};

const lookupTool = {
  type: 'function',
  function: {
    name: 'lookup',
    description: 'Look a thing up',
    parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
  },
};

describe('bedrock adapter against the fake Bedrock (SigV4)', () => {
  it('answers a completion: signed request, encoded model id in the path, usage and finish reason', async () => {
    const result = await adapter.chat({ request: hello, model, requestId: 'req-1' });
    expect(result.response.choices[0]?.message.content).toBe('Echo: hello big world');
    expect(result.response.choices[0]?.finish_reason).toBe('stop');
    expect(result.finishReason).toEqual({ unified: 'stop', raw: 'end_turn' });
    expect(result.usage).toEqual({ inputTokens: 5, outputTokens: 4 });
    expect(result.response.usage).toEqual({ prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 });
    expect(result.response.model).toBe(model);
    expect(result.warnings).toEqual([]);
    const received = fake.requests[0];
    expect(received?.path).toBe(`/model/${encodeURIComponent(model)}/converse`);
    expect(received?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-3\/bedrock\/aws4_request/);
    expect(received?.body).toEqual({ messages: [{ role: 'user', content: [{ text: 'hello big world' }] }], system: [{ text: 'Be brief.' }] });
  });

  it('streams: role chunk, content deltas, finish chunk, usage-only chunk, finish part', async () => {
    const { parts } = await adapter.chatStream({ request: { ...hello, stream: true }, model, requestId: 'req-2' });
    const collected = await collect(parts);
    expect(fake.requests[0]?.path).toBe(`/model/${encodeURIComponent(model)}/converse-stream`);
    expect(contentOf(collected)).toBe('Echo: hello big world');
    const first = collected[0];
    expect(first?.type === 'chunk' && first.chunk.choices[0]?.delta.role).toBe('assistant');
    const usageChunk = collected.at(-2);
    expect(usageChunk?.type === 'chunk' && usageChunk.usageOnly).toBe(true);
    expect(collected.at(-1)).toEqual({
      type: 'finish',
      finishReason: { unified: 'stop', raw: 'end_turn' },
      usage: { inputTokens: 5, outputTokens: 4 },
    });
  });

  it('streams a tool call: id and name first, argument fragments after', async () => {
    const request: ChatCompletionRequest = { ...hello, tools: [lookupTool], tool_choice: 'required' };
    const collected = await collect((await adapter.chatStream({ request, model, requestId: 'req-3' })).parts);
    const toolDeltas = collected.flatMap((part) =>
      part.type === 'chunk' ? ((part.chunk.choices[0]?.delta.tool_calls as Array<Record<string, unknown>> | undefined) ?? []) : [],
    );
    expect(toolDeltas[0]).toMatchObject({ index: 0, id: expect.stringMatching(/^tooluse_/), function: { name: 'lookup', arguments: '' } });
    const argumentsText = toolDeltas.map((delta) => (delta.function as { arguments?: string }).arguments ?? '').join('');
    expect(JSON.parse(argumentsText)).toEqual({ query: 'hello big world' });
    expect(toolDeltas.length).toBeGreaterThan(2);
    expect(collected.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'tool_calls', raw: 'tool_use' } });
  });

  it('completes a tool round trip the fake validates (toolResult answers the previous toolUse)', async () => {
    const first = await adapter.chat({ request: { ...hello, tools: [lookupTool], tool_choice: 'required' }, model, requestId: 'req-4' });
    const toolCalls = first.response.choices[0]?.message.tool_calls as Array<{ id: string }>;
    expect(first.finishReason.unified).toBe('tool_calls');
    const second = await adapter.chat({
      request: {
        ...hello,
        tools: [lookupTool],
        messages: [
          ...hello.messages,
          { role: 'assistant', content: null, tool_calls: toolCalls },
          { role: 'tool', tool_call_id: toolCalls[0]?.id, content: '{"answer":"forty two"}' },
        ],
      },
      model,
      requestId: 'req-5',
    });
    expect(second.response.choices[0]?.message.content).toBe('Echo: {"answer":"forty two"}');
    const sent = fake.requests[1]?.body as { messages: Array<{ content: unknown[] }> };
    expect(sent.messages[2]?.content).toEqual([{ toolResult: { toolUseId: toolCalls[0]?.id, content: [{ json: { answer: 'forty two' } }] } }]);
  });

  it('answers a tool conversation whose request declares no tools, declaring the called tools from the history (warning)', async () => {
    const result = await adapter.chat({
      request: {
        ...hello,
        messages: [
          ...hello.messages,
          { role: 'assistant', content: null, tool_calls: [{ id: 'tooluse_1', type: 'function', function: { name: 'lookup', arguments: '{"query":"x"}' } }] },
          { role: 'tool', tool_call_id: 'tooluse_1', content: 'forty two' },
        ],
      },
      model,
      requestId: 'req-5b',
    });
    expect(result.response.choices[0]?.message.content).toBe('Echo: forty two');
    expect(result.warnings).toEqual([expect.objectContaining({ setting: 'tools', message: expect.stringContaining('lookup') })]);
    expect((fake.requests[0]?.body as { toolConfig?: unknown }).toolConfig).toEqual({
      tools: [{ toolSpec: { name: 'lookup', inputSchema: { json: { type: 'object', properties: {} } } } }],
    });
  });

  it('answers response_format json_schema through a forced tool, as JSON content with finish stop', async () => {
    const request: ChatCompletionRequest = {
      ...hello,
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'answer', schema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } },
      },
    };
    const result = await adapter.chat({ request, model, requestId: 'req-6' });
    expect(JSON.parse(result.response.choices[0]?.message.content ?? '')).toEqual({ text: 'hello big world' });
    expect(result.response.choices[0]?.message.tool_calls).toBeUndefined();
    expect(result.finishReason).toEqual({ unified: 'stop', raw: 'tool_use' });
    const streamed = await collect((await adapter.chatStream({ request, model, requestId: 'req-7' })).parts);
    expect(JSON.parse(contentOf(streamed))).toEqual({ text: 'hello big world' });
    expect(streamed.at(-1)).toMatchObject({ finishReason: { unified: 'stop', raw: 'tool_use' } });
  });

  it('maps max tokens to a length finish and reports cache tokens in usage', async () => {
    fake.script({ usage: { cacheReadInputTokens: 10, cacheWriteInputTokens: 2 } });
    const result = await adapter.chat({ request: { ...hello, max_tokens: 2 }, model, requestId: 'req-8' });
    expect(result.finishReason).toEqual({ unified: 'length', raw: 'max_tokens' });
    expect(result.usage).toEqual({ inputTokens: 17, outputTokens: 2, cachedInputTokens: 10, cacheWriteInputTokens: 2 });
    expect(result.response.usage).toEqual({
      prompt_tokens: 17,
      completion_tokens: 2,
      total_tokens: 19,
      prompt_tokens_details: { cached_tokens: 10 },
    });
  });

  it('maps Bedrock error answers by status', async () => {
    fake.script([{ status: 429, retryAfter: 3 }, { status: 400 }, { status: 503 }]);
    const throttled = await adapter.chat({ request: hello, model, requestId: 'req-9' }).catch((error: unknown) => error);
    expect(throttled).toBeInstanceOf(ProviderError);
    expect(throttled).toMatchObject({ code: 'rate_limited', retryable: true, upstreamStatus: 429, retryAfterMs: 3000 });
    const invalid = await adapter.chat({ request: hello, model, requestId: 'req-10' }).catch((error: unknown) => error);
    expect(invalid).toMatchObject({ code: 'invalid_request', message: expect.stringContaining('The provided request is not valid') });
    const unavailable = await adapter.chat({ request: hello, model, requestId: 'req-11' }).catch((error: unknown) => error);
    expect(unavailable).toMatchObject({ code: 'provider_error', retryable: true, upstreamStatus: 503 });
  });

  it('shows the validation message of a request the fake refuses (conversation starting with the assistant)', async () => {
    const error = await adapter
      .chat({ request: { model: 'alias', messages: [{ role: 'assistant', content: 'Hi' }] }, model, requestId: 'req-12' })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'invalid_request', message: expect.stringContaining('must start with a user message') });
  });

  it('throws a retryable rate_limited error for a throttlingException inside the stream', async () => {
    fake.script({ streamException: { type: 'throttlingException', message: 'Slow down, key AKIDEXAMPLE', afterChunks: 2 } });
    const { parts } = await adapter.chatStream({ request: hello, model, requestId: 'req-13' });
    const error = await collect(parts).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'rate_limited', retryable: true });
    expect((error as Error).message).not.toContain('Slow down');
  });

  it('throws when the stream is cut before messageStop and metadata', async () => {
    fake.script({ cutStreamAfterChunks: 3 });
    const { parts } = await adapter.chatStream({ request: hello, model, requestId: 'req-14' });
    const error = await collect(parts).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
  });

  it('is refused by the fake when signed with a wrong secret', async () => {
    const wrong = createAdapter({
      name: 'bedrock-wrong',
      type: 'bedrock',
      baseUrl: fake.url,
      region,
      aws: { ...credentials, secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYWRONGKEY00' },
    });
    const error = await wrong.chat({ request: hello, model, requestId: 'req-15' }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'provider_error', upstreamStatus: 403, retryable: false });
    expect(fake.requests[0]?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 /);
  });

  it('uses a Bedrock API key as a bearer token', async () => {
    const keyed = createAdapter({ name: 'bedrock-key', type: 'bedrock', baseUrl: fake.url, region, apiKey });
    const result = await keyed.chat({ request: hello, model, requestId: 'req-16' });
    expect(result.response.choices[0]?.message.content).toBe('Echo: hello big world');
    expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(fake.requests[0]?.headers['x-amz-date']).toBeUndefined();
  });

  it('signs with credentials from the standard chain when settings have none (with a session token)', async () => {
    const chained = createBedrockAdapter(
      { name: 'bedrock-chain', type: 'bedrock', baseUrl: fake.url, region },
      { credentialChain: () => async () => ({ ...credentials, sessionToken: 'session-token-from-the-chain-0001' }) },
    );
    const result = await chained.chat({ request: hello, model, requestId: 'req-17' });
    expect(result.response.choices[0]?.message.content).toBe('Echo: hello big world');
    expect(fake.requests[0]?.headers['x-amz-security-token']).toBe('session-token-from-the-chain-0001');
    expect(fake.requests[0]?.headers.authorization).toContain('x-amz-security-token');
  });

  it('refuses in strict mode before fetching any image', async () => {
    const fetched: string[] = [];
    const withImages = createAdapter(
      { name: 'bedrock-main', type: 'bedrock', baseUrl: fake.url, region, aws: credentials },
      {
        fetchImage: async (url) => {
          fetched.push(url);
          return { mediaType: 'image/png', data: Buffer.from('png') };
        },
      },
    );
    const request: ChatCompletionRequest = {
      ...hello,
      seed: 7,
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://img.example/a.png' } }] }],
    };
    await expect(withImages.chat({ request, model, requestId: 'req-17', strict: true })).rejects.toMatchObject({ param: 'seed' });
    await expect(withImages.chatStream({ request, model, requestId: 'req-17', strict: true })).rejects.toMatchObject({ param: 'seed' });
    expect(fetched).toEqual([]);
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses in strict mode what Converse cannot do, before calling', async () => {
    const error = await adapter
      .chat({ request: { ...hello, seed: 7 }, model, requestId: 'req-18', strict: true })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'invalid_request', param: 'seed' });
    expect(fake.requests).toHaveLength(0);
  });

  it('does not offer embeddings and has no pass-through', async () => {
    await expect(adapter.embeddings({ request: { model: 'x', input: 'a' }, model: 'x', requestId: 'req-19' })).rejects.toMatchObject({
      code: 'invalid_request',
      param: 'model',
    });
    expect(adapter.passthrough).toBeUndefined();
  });
});
