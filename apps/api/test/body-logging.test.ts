import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoutedApi, type Mode, type RoutedApi } from './support/routed-api.ts';

const modes: Mode[] = ['embedded', 'servers'];
/** Shaped like real credentials; the fake providers echo the prompt, so each comes back in the answer too. */
const openAiKey = 'sk-proj-Zq8rT2vLx9Kp4mWnB7cD1eF3gH5jK';
const awsKeyId = 'AKIAIOSFODNN7EXAMPLE';

/**
 * Body logging on the API's usage records (as the ledger receives them): the prompt as sent upstream and
 * the completion as the client got it, for both surfaces, JSON and streamed, secrets scrubbed whatever
 * the policies; nothing for a key that does not log bodies.
 */
describe.each(modes)('body logging on usage records (%s)', (mode) => {
  let routed: RoutedApi;
  let logged: OpenAI;
  let loggedAnthropic: Anthropic;
  let unlogged: OpenAI;

  beforeAll(async () => {
    routed = await startRoutedApi(mode);
    const loggingKey = await routed.createKey({ log_bodies: true });
    logged = new OpenAI({ baseURL: `${routed.url}/v1`, apiKey: loggingKey, maxRetries: 0 });
    loggedAnthropic = new Anthropic({ baseURL: routed.url, apiKey: loggingKey, maxRetries: 0 });
    unlogged = new OpenAI({ baseURL: `${routed.url}/v1`, apiKey: await routed.createKey(), maxRetries: 0 });
  });
  afterAll(async () => {
    await routed?.close();
  });

  const recordOf = async (requestId: string | null) => (await routed.recordsFor([requestId]))[0]!;

  it('OpenAI JSON: the prompt and the answer, secrets replaced by placeholders', async () => {
    const prompt = `deploy with ${openAiKey} and ${awsKeyId} <img src=x onerror=alert(1)>`;
    const { data, response } = await logged.chat.completions.create({ model: 'fast', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: prompt }] }).withResponse();
    expect(data.choices[0]?.message.content).toBe(`Echo: ${prompt}`);
    const record = await recordOf(response.headers.get('x-gateway-request-id'));
    expect(record.bodies).toEqual({
      prompt: 'system:\nBe brief.\n\nuser:\ndeploy with <SECRET_1> and <SECRET_2> <img src=x onerror=alert(1)>',
      completion: 'Echo: deploy with <SECRET_1> and <SECRET_2> <img src=x onerror=alert(1)>',
      promptTruncated: false,
      completionTruncated: false,
    });
    expect(JSON.stringify(record)).not.toContain(openAiKey);
    expect(JSON.stringify(record)).not.toContain(awsKeyId);
  });

  it('OpenAI stream: the answer assembled from the chunks, tool calls included', async () => {
    const stream = await logged.chat.completions.create({
      model: 'fast',
      stream: true,
      messages: [{ role: 'user', content: `look up ${openAiKey}` }],
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { query: { type: 'string' } } } } }],
      tool_choice: 'required',
    }).withResponse();
    let argumentsText = '';
    for await (const chunk of stream.data) argumentsText += chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? '';
    const record = await recordOf(stream.response.headers.get('x-gateway-request-id'));
    expect(record.stream).toBe(true);
    expect(record.bodies?.prompt).toBe('user:\nlook up <SECRET_1>');
    expect(record.bodies?.completion).toBe(`tool call lookup(${argumentsText.replaceAll(openAiKey, '<SECRET_1>')})`);
    expect(JSON.stringify(record)).not.toContain(openAiKey);
  });

  it('Anthropic JSON and stream: the system prompt, the messages and the answer', async () => {
    routed.planFor = (model) => ({ model, strategy: 'single', targets: [{ provider: 'claude', model: 'claude-sonnet-4-5' }] });
    try {
      const request = { model: 'fast', max_tokens: 200, system: 'You are terse.', messages: [{ role: 'user' as const, content: `key ${awsKeyId}` }] };
      const { data, response } = await loggedAnthropic.messages.create(request).withResponse();
      expect(data.content[0]).toMatchObject({ type: 'text', text: `Echo: key ${awsKeyId}` });
      expect((await recordOf(response.headers.get('x-gateway-request-id'))).bodies).toEqual({
        prompt: 'system:\nYou are terse.\n\nuser:\nkey <SECRET_1>',
        completion: 'Echo: key <SECRET_1>',
        promptTruncated: false,
        completionTruncated: false,
      });

      const stream = await loggedAnthropic.messages.create({ ...request, stream: true }).withResponse();
      let text = '';
      for await (const event of stream.data) if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
      expect(text).toBe(`Echo: key ${awsKeyId}`);
      const record = await recordOf(stream.response.headers.get('x-gateway-request-id'));
      expect(record).toMatchObject({ endpoint: 'messages', stream: true });
      expect(record.bodies?.completion).toBe('Echo: key <SECRET_1>');
    } finally {
      routed.planFor = (model) => ({ model, strategy: 'single', targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] });
    }
  });

  it('a failed call keeps its prompt and has no completion', async () => {
    routed.fakeOpenAi.script({ status: 400 });
    const failure = await logged.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'refused upstream' }] }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    const record = await recordOf((failure as InstanceType<typeof OpenAI.APIError>).headers?.get('x-gateway-request-id') ?? null);
    expect(record.status).toBeGreaterThanOrEqual(400);
    expect(record.bodies).toEqual({ prompt: 'user:\nrefused upstream', completion: null, promptTruncated: false, completionTruncated: false });
  });

  it('logs nothing for a key without body logging', async () => {
    const { response } = await unlogged.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: `not logged ${openAiKey}` }] }).withResponse();
    const record = await recordOf(response.headers.get('x-gateway-request-id'));
    expect(record.status).toBe(200);
    expect(record).not.toHaveProperty('bodies');
  });
});
