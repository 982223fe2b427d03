import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GatewayError } from '@gateway/contracts';
import { startFakeOpenAi, type FakeOpenAi } from '@gateway/testkit';
import { createAdapter } from '../create-adapter.ts';
import { ProviderError } from '../errors.ts';
import type { StreamPart } from '../types.ts';
import { defaultAzureApiVersion } from './api.ts';

const apiKey = '0123456789abcdef0123456789abcdef';
let fake: FakeOpenAi;

beforeAll(async () => {
  fake = await startFakeOpenAi({ apiKey });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
});

const request = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'hi from azure' }] };

describe('azure-openai adapter', () => {
  it('calls the deployment URL with api-version and the api-key header', async () => {
    const adapter = createAdapter({ name: 'azure-east', type: 'azure-openai', baseUrl: fake.origin, apiKey, apiVersion: '2024-06-01' });
    const result = await adapter.chat({ request, model: 'my-gpt4o', requestId: 'req-a' });
    expect(result.response.choices[0]?.message.content).toBe('Echo: hi from azure');
    expect(result.usage).toEqual({ inputTokens: 3, outputTokens: 4 });
    const received = fake.requests[0];
    expect(received?.path).toBe('/openai/deployments/my-gpt4o/chat/completions');
    expect(received?.query).toEqual({ 'api-version': '2024-06-01' });
    expect(received?.headers['api-key']).toBe(apiKey);
    expect(received?.headers.authorization).toBeUndefined();
  });

  it(`uses api-version ${defaultAzureApiVersion} when none is configured`, async () => {
    const adapter = createAdapter({ name: 'azure-east', type: 'azure-openai', baseUrl: `${fake.origin}/`, apiKey });
    await adapter.embeddings({ request: { model: 'e', input: 'x', encoding_format: 'float' }, model: 'embed-deploy', requestId: 'r' });
    expect(fake.requests[0]?.path).toBe('/openai/deployments/embed-deploy/embeddings');
    expect(fake.requests[0]?.query['api-version']).toBe(defaultAzureApiVersion);
  });

  it("streams, passing on Azure's prompt filter event and reporting usage", async () => {
    const adapter = createAdapter({ name: 'azure-east', type: 'azure-openai', baseUrl: fake.origin, apiKey });
    const opened = await adapter.chatStream({ request: { ...request, stream: true }, model: 'my-gpt4o', requestId: 'r' });
    const parts: StreamPart[] = [];
    for await (const part of opened.parts) parts.push(part);
    const first = parts[0];
    expect(first?.type === 'chunk' && first.chunk.prompt_filter_results).toBeDefined();
    expect(first?.type === 'chunk' && first.usageOnly).toBeFalsy();
    expect(parts.at(-1)).toEqual({
      type: 'finish',
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: { inputTokens: 3, outputTokens: 4 },
    });
  });

  it("maps Azure's 401 body without leaking the key", async () => {
    const adapter = createAdapter({ name: 'azure-east', type: 'azure-openai', baseUrl: fake.origin, apiKey: 'wrong-key-but-long-enough' });
    const error = await adapter.chat({ request, model: 'd', requestId: 'r' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'provider_error', upstreamStatus: 401, source: 'provider:azure-east', retryable: false });
  });

  it('needs a base URL and a key', () => {
    expect(() => createAdapter({ name: 'a', type: 'azure-openai', apiKey })).toThrow(GatewayError);
    expect(() => createAdapter({ name: 'a', type: 'azure-openai', baseUrl: fake.origin })).toThrow(/API key/);
  });
});
