import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startRoutedApi, type Mode, type RoutedApi } from './support/routed-api.ts';

const posts = <Recorded extends { method: string }>(requests: Recorded[]) => requests.filter((request) => request.method === 'POST');

describe.each<Mode>(['embedded', 'servers'])('continuation failover (%s)', (mode) => {
  let harness: RoutedApi;
  let key: string;
  let openai: OpenAI;
  let anthropic: Anthropic;

  beforeAll(async () => {
    harness = await startRoutedApi(mode);
    key = await harness.createKey();
    openai = new OpenAI({ apiKey: key, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: key, baseURL: harness.url, maxRetries: 0 });
  });
  afterAll(async () => {
    await harness?.close();
  });
  beforeEach(async () => {
    await harness.waitForRecords(harness.records.length);
    harness.records.length = 0;
    harness.fakeOpenAi.reset();
    harness.fakeAnthropic.reset();
  });

  const openAiPlan = (second: boolean) => (model: string) => ({
    model,
    strategy: 'fallback' as const,
    targets: [{ provider: 'openai', model: 'gpt-4o-mini' }, ...(second ? [{ provider: 'openai-backup', model: 'gpt-4o-mini' }] : [])],
  });
  const anthropicPlan = (model: string) => ({
    model,
    strategy: 'fallback' as const,
    targets: [
      { provider: 'claude', model: 'claude-sonnet-4-5' },
      { provider: 'claude-backup', model: 'claude-sonnet-4-5' },
    ],
  });

  it('OpenAI surface: a stream cut mid-answer is finished by the next target in the same client stream', async () => {
    harness.planFor = openAiPlan(true);
    // Role chunk, "Echo:", " one": then the connection dies.
    harness.fakeOpenAi.script({ cutStreamAfterChunks: 3 });
    const stream = openai.chat.completions.stream({
      model: 'fast',
      messages: [{ role: 'user', content: 'one two three four' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const ids = new Set<string>();
    stream.on('chunk', (chunk) => ids.add(`${chunk.id}@${chunk.created}`));
    const completion = await stream.finalChatCompletion();
    // The follow-up's fake echoes its last message, the prefill: what the client reads is partial + continuation.
    expect(completion.choices[0]?.message.content).toBe('Echo: oneEcho: Echo: one');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(ids.size).toBe(1);

    const upstream = posts(harness.fakeOpenAi.requests);
    expect(upstream).toHaveLength(2);
    expect((upstream[1]!.body as { messages: unknown[] }).messages).toEqual([
      { role: 'user', content: 'one two three four' },
      { role: 'assistant', content: 'Echo: one' },
    ]);

    const [record] = await harness.waitForRecords(1);
    expect(harness.records).toHaveLength(1);
    expect(record).toMatchObject({ status: 200, provider: 'openai-backup', attempts: 2, flags: ['continued'] });
    // The client's usage chunk and the record agree: the follow-up's usage plus the broken part's estimate.
    expect(completion.usage).toMatchObject({ prompt_tokens: record!.inputTokens, completion_tokens: record!.outputTokens });
    // "Echo: one" is 9 characters: 3 estimated output tokens on top of the follow-up's 3 ("Echo: Echo: one").
    expect(record!.outputTokens).toBe(3 + 3);
    expect(record!.costUsd).toBeGreaterThan(0);
  });

  it('Anthropic surface: the follow-up continues the same message and content block', async () => {
    harness.planFor = anthropicPlan;
    // message_start, content_block_start, ping, "Echo:", " one": then the connection dies.
    harness.fakeAnthropic.script({ cutStreamAfterChunks: 5 });
    const stream = anthropic.messages.stream({ model: 'fast', max_tokens: 100, messages: [{ role: 'user', content: 'one two three four' }] });
    const starts: string[] = [];
    stream.on('streamEvent', (event) => {
      if (event.type === 'message_start' || event.type === 'content_block_start') starts.push(event.type);
    });
    const message = await stream.finalMessage();
    expect(message.content).toHaveLength(1);
    expect(message.content[0]).toMatchObject({ type: 'text', text: 'Echo: oneEcho: Echo: one' });
    expect(starts).toEqual(['message_start', 'content_block_start']);
    expect(message.stop_reason).toBe('end_turn');

    const upstream = posts(harness.fakeAnthropic.requests);
    expect(upstream).toHaveLength(2);
    const followUp = upstream[1]!.body as { messages: unknown[]; max_tokens: number };
    expect(followUp.messages.at(-1)).toEqual({ role: 'assistant', content: 'Echo: one' });
    expect(followUp.max_tokens).toBe(100 - 3);

    const [record] = await harness.waitForRecords(1);
    expect(record).toMatchObject({ status: 200, endpoint: 'messages', provider: 'claude-backup', attempts: 2, flags: ['continued'] });
    expect(message.usage.output_tokens).toBe(record!.outputTokens);
  });

  it('Anthropic surface continued on an OpenAI-protocol target (the gateway translates the prefill)', async () => {
    harness.planFor = (model) => ({
      model,
      strategy: 'fallback',
      targets: [
        { provider: 'claude', model: 'claude-sonnet-4-5' },
        { provider: 'openai', model: 'gpt-4o-mini' },
      ],
    });
    harness.fakeAnthropic.script({ cutStreamAfterChunks: 5 });
    const message = await anthropic.messages.stream({ model: 'fast', max_tokens: 100, messages: [{ role: 'user', content: 'one two three four' }] }).finalMessage();
    expect(message.content).toHaveLength(1);
    expect(message.content[0]).toMatchObject({ type: 'text', text: 'Echo: oneEcho: Echo: one' });
    expect(posts(harness.fakeOpenAi.requests)).toHaveLength(1);
    const [record] = await harness.waitForRecords(1);
    expect(record).toMatchObject({ provider: 'openai', flags: ['continued'] });
  });

  it('without another target the stream ends with the error event, as before', async () => {
    harness.planFor = openAiPlan(false);
    harness.fakeOpenAi.script({ cutStreamAfterChunks: 3 });
    const stream = openai.chat.completions.stream({ model: 'fast', messages: [{ role: 'user', content: 'one two three four' }], stream: true });
    await expect(stream.finalChatCompletion()).rejects.toThrow();
    expect(posts(harness.fakeOpenAi.requests)).toHaveLength(1);
    const [record] = await harness.waitForRecords(1);
    expect(record).toMatchObject({ status: 503, errorCode: 'provider_unavailable' });
    expect(record!.flags ?? []).toEqual([]);
  });

  it('x-gateway-continuation: off keeps the error even with another target', async () => {
    harness.planFor = openAiPlan(true);
    harness.fakeOpenAi.script({ cutStreamAfterChunks: 3 });
    const stream = openai.chat.completions.stream(
      { model: 'fast', messages: [{ role: 'user', content: 'one two three four' }], stream: true },
      { headers: { 'x-gateway-continuation': 'off' } },
    );
    await expect(stream.finalChatCompletion()).rejects.toThrow();
    expect(posts(harness.fakeOpenAi.requests)).toHaveLength(1);
  });

  it('a tool call in progress is not continued', async () => {
    harness.planFor = openAiPlan(true);
    // The role chunk with the tool call's name, then a piece of its arguments.
    harness.fakeOpenAi.script({ cutStreamAfterChunks: 2 });
    const stream = openai.chat.completions.stream({
      model: 'fast',
      messages: [{ role: 'user', content: 'weather in Paris' }],
      tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
      tool_choice: 'required',
      stream: true,
    });
    await expect(stream.finalChatCompletion()).rejects.toThrow();
    expect(posts(harness.fakeOpenAi.requests)).toHaveLength(1);
  });
});
