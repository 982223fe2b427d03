import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic, startFakeBedrock, startFakeGemini, type FakeAnthropic, type FakeBedrock, type FakeGemini } from '@gateway/testkit';
import { canarySecret, eventually, startHarness, type Harness, type Mode } from './harness.ts';

/**
 * Conformance of both official SDKs against every provider type, through the whole gateway: the OpenAI
 * SDK reaching Anthropic, Gemini and Bedrock upstreams (translated), the Anthropic SDK reaching an
 * OpenAI-protocol upstream (translated) and an Anthropic one (native), streaming and tools included.
 */

const modes: Mode[] = ['embedded', 'servers'];
const aws = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

const weatherTool: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

const anthropicWeatherTool: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

describe.each(modes)('provider conformance with the official SDKs (%s)', (mode) => {
  let harness: Harness;
  let anthropicFake: FakeAnthropic;
  let geminiFake: FakeGemini;
  let bedrockFake: FakeBedrock;
  let openai: OpenAI;
  let anthropic: Anthropic;
  let gatewayKey: string;

  beforeAll(async () => {
    anthropicFake = await startFakeAnthropic({ apiKey: canarySecret });
    geminiFake = await startFakeGemini({ apiKey: canarySecret });
    bedrockFake = await startFakeBedrock({ credentials: aws, region: 'us-east-1' });
    process.env.E2E_AWS_SECRET = aws.secretAccessKey;
    harness = await startHarness(mode, {
      providers: `  - name: claude-fake
    type: anthropic
    base_url: ${anthropicFake.url}
    api_key: \${FAKE_PROVIDER_KEY}
  - name: gemini-fake
    type: gemini
    base_url: ${geminiFake.url}
    api_key: \${FAKE_PROVIDER_KEY}
  - name: bedrock-fake
    type: bedrock
    base_url: ${bedrockFake.url}
    region: us-east-1
    aws_access_key_id: ${aws.accessKeyId}
    aws_secret_access_key: \${E2E_AWS_SECRET}
`,
      models: `  - name: claude
    targets: [{ provider: claude-fake, model: claude-sonnet-4-5 }]
  - name: gemini
    targets: [{ provider: gemini-fake, model: gemini-2.5-flash }]
  - name: nova
    targets: [{ provider: bedrock-fake, model: "us.amazon.nova-lite-v1:0" }]
`,
    });
    gatewayKey = (await harness.createKey({ name: `providers ${mode}` })).key;
    openai = new OpenAI({ baseURL: harness.baseUrl, apiKey: gatewayKey, maxRetries: 0 });
    anthropic = new Anthropic({ baseURL: harness.gateway.url, apiKey: gatewayKey, maxRetries: 0 });
  });
  afterAll(async () => {
    await harness?.close();
    await Promise.all([anthropicFake?.close(), geminiFake?.close(), bedrockFake?.close()]);
  });

  describe.each(['claude', 'gemini', 'nova'])('OpenAI SDK → %s', (model) => {
    it('answers a chat completion with usage, saying what served it', async () => {
      const { data, response } = await openai.chat.completions
        .create({ model, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello over there' }], max_tokens: 50 })
        .withResponse();
      expect(data.object).toBe('chat.completion');
      expect(data.choices[0]?.message.content).toBe('Echo: hello over there');
      expect(data.choices[0]?.finish_reason).toBe('stop');
      expect(data.usage?.prompt_tokens).toBeGreaterThan(0);
      expect(data.usage?.completion_tokens).toBe(4);
      expect(response.headers.get('x-gateway-target')).toMatch(/^(claude|gemini|bedrock)-fake\//);
    });

    it('streams text the SDK puts back together, with usage', async () => {
      const stream = await openai.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'stream these words please' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let usage: OpenAI.CompletionUsage | null | undefined;
      let finish: string | null | undefined;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        finish ??= chunk.choices[0]?.finish_reason;
        if (chunk.usage) usage = chunk.usage;
      }
      expect(text).toBe('Echo: stream these words please');
      expect(finish).toBe('stop');
      expect(usage?.completion_tokens).toBe(5);
    });

    it('calls a tool, streams its arguments, and takes the result back', async () => {
      const runner = openai.chat.completions.stream({
        model,
        messages: [{ role: 'user', content: 'what is the weather in Paris?' }],
        tools: [weatherTool],
        tool_choice: 'required',
      });
      const final = await runner.finalChatCompletion();
      const call = final.choices[0]?.message.tool_calls?.[0];
      expect(final.choices[0]?.finish_reason).toBe('tool_calls');
      expect(call?.type === 'function' && call.function.name).toBe('get_weather');
      const args = call?.type === 'function' ? (JSON.parse(call.function.arguments) as { city?: unknown }) : {};
      expect(typeof args.city).toBe('string');

      const answer = await openai.chat.completions.create({
        model,
        messages: [
          { role: 'user', content: 'what is the weather in Paris?' },
          { role: 'assistant', content: null, tool_calls: final.choices[0]!.message.tool_calls! },
          { role: 'tool', tool_call_id: call!.id, content: 'sunny' },
        ],
        tools: [weatherTool],
      });
      expect(answer.choices[0]?.message.content).toContain('sunny');
    });

    it('reports what the provider cannot do in x-gateway-warnings, and refuses it in strict mode', async () => {
      const request = { model, messages: [{ role: 'user' as const, content: 'hi' }], logit_bias: { '50256': -100 } };
      const { response } = await openai.chat.completions.create(request).withResponse();
      const warnings = JSON.parse(response.headers.get('x-gateway-warnings') ?? '[]') as Array<{ setting?: string }>;
      expect(warnings.map((warning) => warning.setting)).toContain('logit_bias');

      const refused = await openai.chat.completions.create(request, { headers: { 'x-gateway-strict': 'true' } }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
      expect((refused as InstanceType<typeof OpenAI.BadRequestError>).message).toMatch(/strict mode.*logit_bias/);
    });
  });

  describe.each([
    ['an OpenAI-protocol upstream (translated)', 'fast', 'gpt-4o-mini'],
    ['an Anthropic upstream (native)', 'claude', 'claude-sonnet-4-5'],
    ['a Gemini upstream (translated twice)', 'gemini', 'gemini-2.5-flash'],
    ['a Bedrock upstream (translated twice)', 'nova', 'us.amazon.nova-lite-v1:0'],
  ])('Anthropic SDK → %s', (_name, model, upstreamModel) => {
    it('creates a message', async () => {
      const message = await anthropic.messages.create({
        model,
        max_tokens: 100,
        system: 'Be brief.',
        messages: [{ role: 'user', content: 'hello anthropic client' }],
      });
      expect(message.type).toBe('message');
      expect(message.role).toBe('assistant');
      // As on the OpenAI surface, the answer names the upstream model that wrote it.
      expect(message.model).toBe(upstreamModel);
      expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: 'Echo: hello anthropic client' })]);
      expect(message.stop_reason).toBe('end_turn');
      expect(message.usage.input_tokens).toBeGreaterThan(0);
      expect(message.usage.output_tokens).toBe(4);
    });

    it('streams a message the SDK helpers assemble', async () => {
      const stream = anthropic.messages.stream({ model, max_tokens: 100, messages: [{ role: 'user', content: 'stream to the anthropic client' }] });
      let streamed = '';
      stream.on('text', (delta) => {
        streamed += delta;
      });
      const final = await stream.finalMessage();
      expect(streamed).toBe('Echo: stream to the anthropic client');
      expect(final.content).toEqual([expect.objectContaining({ type: 'text', text: streamed })]);
      expect(final.stop_reason).toBe('end_turn');
      expect(final.usage.output_tokens).toBe(6);
    });

    it('uses a tool, streamed, and takes the tool result back', async () => {
      const stream = anthropic.messages.stream({
        model,
        max_tokens: 200,
        messages: [{ role: 'user', content: 'what is the weather in Paris?' }],
        tools: [anthropicWeatherTool],
        tool_choice: { type: 'any' },
      });
      const final = await stream.finalMessage();
      expect(final.stop_reason).toBe('tool_use');
      const use = final.content.find((block): block is Anthropic.ToolUseBlock => block.type === 'tool_use');
      expect(use?.name).toBe('get_weather');
      expect(typeof (use?.input as { city?: unknown }).city).toBe('string');

      const answer = await anthropic.messages.create({
        model,
        max_tokens: 200,
        tools: [anthropicWeatherTool],
        messages: [
          { role: 'user', content: 'what is the weather in Paris?' },
          { role: 'assistant', content: final.content },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: use!.id, content: 'rainy' }] },
        ],
      });
      const text = answer.content.find((block): block is Anthropic.TextBlock => block.type === 'text');
      expect(text?.text).toContain('rainy');
    });
  });

  it('a strict key refuses what a provider cannot do on every request, on either surface', async () => {
    const strictKey = (await harness.createKey({ name: `strict ${mode}`, strict: true })).key;
    const strictOpenAi = new OpenAI({ baseURL: harness.baseUrl, apiKey: strictKey, maxRetries: 0 });
    const refused = await strictOpenAi.chat.completions
      .create({ model: 'gemini', messages: [{ role: 'user', content: 'hi' }], user: 'someone' })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as InstanceType<typeof OpenAI.BadRequestError>).error).toMatchObject({ code: 'invalid_request', param: 'user' });

    const strictAnthropic = new Anthropic({ baseURL: harness.gateway.url, apiKey: strictKey, maxRetries: 0 });
    // An OpenAI-protocol upstream has no thinking budget: the translation approximates it, with a warning.
    const thinking = { model: 'fast', max_tokens: 4000, thinking: { type: 'enabled' as const, budget_tokens: 2048 }, messages: [{ role: 'user' as const, content: 'hi' }] };
    const approximated = await strictAnthropic.messages.create(thinking).catch((error: unknown) => error);
    expect(approximated).toBeInstanceOf(Anthropic.BadRequestError);
    expect((approximated as InstanceType<typeof Anthropic.BadRequestError>).message).toMatch(/strict mode.*thinking/);
    // The same request without strict mode goes through, with the warning.
    const { response } = await anthropic.messages.create(thinking).withResponse();
    expect(response.headers.get('x-gateway-warnings')).toContain('thinking');
  });

  it('Anthropic SDK: count_tokens answers for an Anthropic upstream and says why not for others', async () => {
    const counted = await anthropic.messages.countTokens({ model: 'claude', messages: [{ role: 'user', content: 'count these four words' }] });
    expect(counted.input_tokens).toBe(4);
    const refused = await anthropic.messages.countTokens({ model: 'fast', messages: [{ role: 'user', content: 'x' }] }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Anthropic.BadRequestError);
    expect((refused as InstanceType<typeof Anthropic.BadRequestError>).message).toMatch(/count_tokens is answered by Anthropic upstreams only/);
  });

  it('Anthropic SDK: errors come in Anthropic’s shape with the request id', async () => {
    const unauthorized = new Anthropic({ baseURL: harness.gateway.url, apiKey: 'gw-wrong', maxRetries: 0 });
    const denied = await unauthorized.messages.create({ model: 'claude', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).catch((error: unknown) => error);
    expect(denied).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((denied as InstanceType<typeof Anthropic.AuthenticationError>).error).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });

    const invalid = await fetch(`${harness.gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': gatewayKey, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude', messages: [{ role: 'user', content: 'no max_tokens' }] }),
    });
    const body = (await invalid.json()) as { type: string; error: { type: string; message: string }; request_id: string };
    expect(invalid.status).toBe(400);
    expect(body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(body.error.message).toMatch(/max_tokens/);
    expect(body.request_id).toBe(invalid.headers.get('x-request-id'));

    anthropicFake.script({ status: 529 });
    const overloaded = await anthropic.messages.create({ model: 'claude', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).catch((error: unknown) => error);
    expect(overloaded).toBeInstanceOf(Anthropic.APIError);
    expect((overloaded as InstanceType<typeof Anthropic.APIError>).status).toBe(502);
    expect(JSON.stringify((overloaded as InstanceType<typeof Anthropic.APIError>).error)).not.toContain(canarySecret);
  });

  it('signs Bedrock calls with SigV4 and sends provider keys only upstream', async () => {
    await openai.chat.completions.create({ model: 'nova', messages: [{ role: 'user', content: 'signed' }] });
    const signed = bedrockFake.requests.at(-1)!;
    expect(String(signed.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request/);
    expect(signed.path).toBe(`/model/${encodeURIComponent('us.amazon.nova-lite-v1:0')}/converse`);
    expect(geminiFake.requests.at(-1)?.headers['x-goog-api-key']).toBe(canarySecret);
    expect(anthropicFake.requests.at(-1)?.headers['x-api-key']).toBe(canarySecret);
    expect(harness.logs()).not.toContain(canarySecret);
    expect(harness.logs()).not.toContain(aws.secretAccessKey);
  });

  it('records Anthropic-surface calls with their endpoint, tokens and provider', async () => {
    const { response } = await anthropic.messages
      .create({ model: 'claude', max_tokens: 20, messages: [{ role: 'user', content: 'record this one' }] })
      .withResponse();
    const id = response.headers.get('x-gateway-request-id')!;
    const record = await eventually(async () => {
      const page = await harness.admin('GET', `/usage?request_id=${id}`);
      return page.body.data[0];
    });
    expect(record).toMatchObject({ endpoint: 'messages', provider: 'claude-fake', provider_model: 'claude-sonnet-4-5', status: 200, output_tokens: 4 });
  });
});
